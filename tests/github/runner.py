"""A runner for action.yml's composite steps, as GitHub's runner runs them.

Each step's `if:` and `${{ }}` are evaluated (tests/github/expressions.py) over
the contexts github, inputs, steps, env, runner and secrets. Shell steps run
under `bash --noprofile --norc -eo pipefail` with their own GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY and GITHUB_ENV files. `uses:` steps: github-script runs
in node with the real @actions/github Octokit and @actions/core (the
package.json beside this file, installed by `npm ci`), pointed at the fake
GitHub through GITHUB_API_URL, with the job's token; download-artifact runs
the real @actions/artifact client against the fake; upload-artifact stores
the files in the fake's artifact store for this run; setup-python does
nothing (the test venv's python is on PATH). Every step's log (stdout and
stderr) is kept for the checks on what reaches the log.
"""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.github import expressions
from tests.github.fake import FakeGitHub

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
ACTION = ROOT / "action.yml"
NODE_MODULES = HERE / "node_modules"
# The one step not run as written: the test venv already holds judgesync, installed
# in editable mode from this checkout, which is what the step would install.
INSTALL_STEP = "Install judgesync from the action's checkout"


def require_node_modules() -> None:
    """The pinned node packages must be installed: a missing install fails, never skips."""
    assert (NODE_MODULES / "@actions" / "github").is_dir(), (
        "the node packages of tests/github are missing: run `npm ci --prefix tests/github`"
    )


@dataclass
class Step:
    name: str
    id: str | None
    outcome: str  # success, failure or skipped
    log: str = ""
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    steps: list[Step]
    outputs: dict[str, str]
    summary: str

    @property
    def failed(self) -> bool:
        return any(step.outcome == "failure" for step in self.steps)

    @property
    def log(self) -> str:
        return "".join(step.log for step in self.steps)

    def step(self, name: str) -> Step:
        return next(step for step in self.steps if step.name == name or step.id == name)


@dataclass
class Job:
    """One job that runs the action: its checkout, event, token and environment.

    `env` is the process environment of the runner plus the job's `env:`
    (e.g. the key from secrets); `run_id` names this run in the fake, where an
    upload-artifact step stores its files.
    """

    fake: FakeGitHub
    workspace: Path
    temp: Path
    repository: str
    event_name: str
    event: dict[str, Any]
    sha: str
    ref: str
    token: str
    env: dict[str, str]
    run_id: int
    secrets: dict[str, str] = field(default_factory=dict)

    def run(
        self,
        inputs: dict[str, str],
        only: list[str] | None = None,
        earlier: dict[str, dict[str, str]] | None = None,
        action: Path = ACTION,
    ) -> Result:
        """Runs the action's steps; `only` runs just the steps of those names, as if the
        steps before them had given the outputs in `earlier` (by step id)."""
        document = yaml.safe_load(action.read_text(encoding="utf-8"))
        self.temp.mkdir(parents=True, exist_ok=True)
        event_path = self.temp / f"event-{uuid.uuid4().hex}.json"
        event_path.write_text(json.dumps(self.event), encoding="utf-8")
        contexts: dict[str, Any] = {
            "github": self._github_context(action.parent),
            "runner": {"temp": str(self.temp), "os": "Linux", "arch": "X64", "debug": ""},
            "env": dict(self.env),
            "secrets": dict(self.secrets),
            "steps": {
                step_id: {"outputs": outputs, "outcome": "success", "conclusion": "success"}
                for step_id, outputs in (earlier or {}).items()
            },
        }
        contexts["inputs"] = self._inputs(document.get("inputs") or {}, inputs, contexts)
        steps: list[Step] = []

        def status(name: str) -> bool:
            failed = any(step.outcome == "failure" for step in steps)
            return {"success": not failed, "failure": failed, "always": True}.get(name, False)

        for index, spec in enumerate(document["runs"]["steps"]):
            name = expressions.substitute(spec.get("name", f"step {index}"), contexts, status)
            if only is not None and spec.get("name") not in only:
                continue
            if not expressions.condition(str(spec.get("if", "success()")), contexts, status):
                steps.append(Step(name, spec.get("id"), "skipped"))
                continue
            step = self._step(spec, name, contexts, status, event_path, action.parent, index)
            steps.append(step)
            if step.id:
                contexts["steps"][step.id] = {
                    "outputs": step.outputs,
                    "outcome": step.outcome,
                    "conclusion": step.outcome,
                }
        outputs = {
            key: expressions.substitute(str(spec["value"]), contexts, status)
            for key, spec in (document.get("outputs") or {}).items()
        }
        summary = "".join(
            path.read_text(encoding="utf-8") for path in sorted(self.temp.glob("summary-*"))
        )
        return Result(steps, outputs, summary)

    def _github_context(self, action_path: Path) -> dict[str, Any]:
        owner = self.repository.split("/")[0]
        return {
            "event_name": self.event_name,
            "event": self.event,
            "repository": self.repository,
            "repository_owner": owner,
            "sha": self.sha,
            "ref": self.ref,
            "token": self.token,
            "run_id": str(self.run_id),
            "server_url": "https://github.com",
            "api_url": self.fake.url,
            "workspace": str(self.workspace),
            "action_path": str(action_path),
        }

    def _inputs(
        self, declared: dict[str, Any], given: dict[str, str], contexts: dict[str, Any]
    ) -> dict[str, str]:
        unknown = set(given) - set(declared)
        assert not unknown, f"the action has no inputs {sorted(unknown)}"
        values = {}
        for name, spec in declared.items():
            default = str(spec.get("default", ""))
            values[name] = given.get(name, expressions.substitute(default, contexts, _never))
            assert not spec.get("required") or values[name], f"input {name} is required"
        return values

    def _step(
        self,
        spec: dict[str, Any],
        name: str,
        contexts: dict[str, Any],
        status: Any,
        event_path: Path,
        action_path: Path,
        index: int,
    ) -> Step:
        files = {
            kind: self.temp / f"{kind}-{index:02}" for kind in ("output", "summary", "env", "path")
        }
        for file in files.values():
            file.write_text("", encoding="utf-8")
        step_env = {
            key: expressions.substitute(str(value), contexts, status)
            for key, value in (spec.get("env") or {}).items()
        }
        env = {
            **self.env,
            **contexts["env"],
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": self.repository,
            "GITHUB_REPOSITORY_OWNER": self.repository.split("/")[0],
            "GITHUB_EVENT_NAME": self.event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_SHA": self.sha,
            "GITHUB_REF": self.ref,
            "GITHUB_RUN_ID": str(self.run_id),
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_ACTION_PATH": str(action_path),
            "GITHUB_API_URL": self.fake.url,
            "GITHUB_SERVER_URL": "https://github.com",
            "RUNNER_TEMP": str(self.temp),
            "RUNNER_OS": "Linux",
            "GITHUB_OUTPUT": str(files["output"]),
            "GITHUB_STEP_SUMMARY": str(files["summary"]),
            "GITHUB_ENV": str(files["env"]),
            "GITHUB_PATH": str(files["path"]),
            **step_env,
        }
        with_ = {
            key: expressions.substitute(str(value), contexts, status)
            for key, value in (spec.get("with") or {}).items()
        }
        if name == INSTALL_STEP:
            return Step(
                name, spec.get("id"), "success", "(judgesync is installed in the test venv)\n"
            )
        if "run" in spec:
            assert spec.get("shell") == "bash", f"step {name!r}: only shell: bash is run here"
            script = self.temp / f"step-{index:02}.sh"
            script.write_text(expressions.substitute(spec["run"], contexts, status), "utf-8")
            code, log = self._process(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], env
            )
        else:
            code, log = self._uses(str(spec["uses"]), with_, env)
        outputs = parse_commands_file(files["output"].read_text(encoding="utf-8"))
        contexts["env"].update(parse_commands_file(files["env"].read_text(encoding="utf-8")))
        return Step(name, spec.get("id"), "success" if code == 0 else "failure", log, outputs)

    def _uses(self, uses: str, with_: dict[str, str], env: dict[str, str]) -> tuple[int, str]:
        action = uses.split("@", 1)[0]
        if action == "actions/setup-python":
            return 0, ""
        if action == "actions/github-script":
            inputs = {"github-token": self.token, **with_}
            return self._node("github_script.js", inputs, env)
        if action == "actions/download-artifact":
            inputs = {"repository": self.repository, "run-id": str(self.run_id), **with_}
            return self._node("download_artifact.js", inputs, env)
        if action == "actions/upload-artifact":
            path = Path(with_["path"])
            if not path.is_file():
                missing = with_.get("if-no-files-found", "warn") == "error"
                return (1 if missing else 0), f"No files were found with the path: {path}\n"
            self.fake.upload(self.run_id, with_.get("name", "artifact"), [path])
            return 0, f"Artifact {with_.get('name')} has been uploaded\n"
        raise AssertionError(f"the runner harness cannot run {uses}")

    def _node(self, script: str, inputs: dict[str, str], env: dict[str, str]) -> tuple[int, str]:
        require_node_modules()
        named = {f"INPUT_{key.replace(' ', '_').upper()}": value for key, value in inputs.items()}
        return self._process(["node", str(HERE / script)], {**env, **named})

    def _process(self, command: list[str], env: dict[str, str]) -> tuple[int, str]:
        done = subprocess.run(
            command,
            cwd=self.workspace,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=180,
        )
        return done.returncode, done.stdout


def _never(name: str) -> bool:
    return False


def parse_commands_file(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT and GITHUB_ENV: `name=value` lines and `name<<DELIMITER` blocks."""
    found: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        heredoc = re.fullmatch(r"([^=<]+)<<(.+)", line)
        if heredoc:
            name, delimiter = heredoc[1], heredoc[2]
            block = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            found[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            found[name] = value
    return found
