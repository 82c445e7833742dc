"""Run llama-cpp-python's OpenAI-compatible server without llama.cpp's extra buffer types.

Why: with weight repacking on, a llama.cpp built on a CPU that reports AMX runs
AMX tile instructions, and a virtual machine whose kernel does not enable the
AMX state faults on the first `ldtilecfg` (seen here: a general protection
fault in libggml-cpu on the first request, the server gone). llama-cpp-python
3.x has no flag for llama.cpp's `--no-extra-bufts`, so this sets the model
parameter behind it and starts the server as `python -m llama_cpp.server`
would, with the same arguments. Only the tests use it; speed is not what they
measure.
"""

import runpy
import sys

import llama_cpp.llama_cpp as native

_default_params = native.llama_model_default_params


def _params_without_extra_buffers() -> native.llama_model_params:
    params = _default_params()
    params.use_extra_bufts = False
    return params


native.llama_model_default_params = _params_without_extra_buffers  # type: ignore[assignment]
sys.argv[0] = "llama_cpp.server"
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
