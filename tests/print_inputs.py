"""A stand-in for `judgesync validate --print-inputs`, until the CLI has the flag.

The trust branch of issue 16 adds the flag; action/run.sh's `scope` calls it.
Where the installed CLI lacks it, `standin_bin` makes a `judgesync` that
answers `validate --print-inputs [DIR]` by the flag's interface, from
judgesync's own loaders, and runs the real CLI for everything else. Once the
CLI has the flag, `MISSING` is false and nothing here is used: delete this
module then.
"""

from __future__ import annotations

import sys
from pathlib import Path

from judgesync.cli import cli

MISSING = "--print-inputs" not in {
    option for param in cli.commands["validate"].params for option in param.opts
}

# The interface: relative to the working directory, `/`-separated; the spec
# directory with a trailing `/`, judgesync.yaml if there is one, then every prompt
# file outside the spec directory; exit 0.
_STANDIN = """\
import os, sys
from pathlib import Path
args = sys.argv[1:]
if args[:2] != ["validate", "--print-inputs"]:
    os.execv({judgesync!r}, [{judgesync!r}, *args])
from judgesync.config import find_config, load_config
from judgesync.policy import Choices, Policy
from judgesync.specs.loader import load_specs
here = Path.cwd()
found = find_config(here)
directory = Path(args[2]) if len(args) > 2 else None
policy = Policy.resolve(load_config(found), Choices(directory=directory))
specs = policy.specs.resolve()
print(Path(os.path.relpath(specs, here)).as_posix() + "/")
if found is not None:
    print(Path(os.path.relpath(found, here)).as_posix())
for prompt in load_specs(policy.specs).instruction_files:
    if not prompt.resolve().is_relative_to(specs):
        print(Path(os.path.relpath(prompt, here)).as_posix())
"""


def standin_bin(folder: Path) -> Path:
    """A folder holding the stand-in `judgesync`, to put first on PATH."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "judgesync"
    real = str(Path(sys.executable).parent / "judgesync")
    script.write_text(f"#!{sys.executable}\n" + _STANDIN.format(judgesync=real), encoding="utf-8")
    script.chmod(0o755)
    return folder
