"""Shared fixtures. Tests are hermetic: no JUDGESYNC_*, MISTRAL_* or *_proxy
variable from the developer's shell leaks in.

The emulator fixtures run one real uvicorn server per test session (per xdist
worker) on a free loopback port, and reset it before every test that uses it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from judgesync.cli import cli
from judgesync.emulator import Emulator, EmulatorServer, EmulatorSettings
from judgesync.remote.client import JudgesClient
from tests.github.fake import FakeGitHub

API_KEY = "test-key-1"
SHIPPED_JUDGES = Path(__file__).resolve().parent.parent / "judges"


@pytest.fixture(autouse=True)
def hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        # Proxies too: requests to the loopback emulator must not be sent through one.
        if name.startswith(("JUDGESYNC_", "MISTRAL_")) or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_COLOR", "1")


@dataclass(frozen=True)
class EmulatorHandle:
    """A running emulator, freshly reset for the current test.

    - `url`: base URL, no trailing slash (e.g. "http://127.0.0.1:41234").
    - `settings`: the live `EmulatorSettings`; assignments take effect on the
      next request (validated). Fields: revisions, name_uniqueness, deleted,
      pagination, max_page_size, datasets, latency_ms, jitter_ms, fail_rate,
      seed, rate_limit, retry_after_seconds, import_delay_seconds, import_fail,
      campaign_judge_ids.
    - `configure(**fields)`: change several settings at once, all or nothing.
    - `lock_for_campaign(judge_id)`: later PUTs on that id answer 409
      JUDGE_USED_IN_CAMPAIGN_CANNOT_BE_UPDATED.
    - `reset()`: forget every judge, dataset, span and import task (cancelling running
      imports) and restore the default settings.
    - `emulator`: the underlying `judgesync.emulator.Emulator`.
    """

    url: str
    emulator: Emulator

    @property
    def settings(self) -> EmulatorSettings:
        return self.emulator.settings

    def configure(self, **fields: Any) -> None:
        self.emulator.configure(**fields)

    def lock_for_campaign(self, judge_id: str) -> None:
        self.emulator.lock_for_campaign(judge_id)

    def reset(self) -> None:
        self.emulator.reset()


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator(db=":memory:")) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> EmulatorHandle:
    """The session's emulator, reset: no judges, default settings (see EmulatorHandle)."""
    handle = EmulatorHandle(url=emulator_server.url, emulator=emulator_server.emulator)
    handle.reset()
    return handle


@pytest.fixture(params=["in-place", "new-id"])
def revisions(request: pytest.FixtureRequest, emulator: EmulatorHandle) -> str:
    """Each revision mode in turn, the emulator set to it: the test runs once per mode.

    For the tests of the client where what an update does to ids matters (plan, apply,
    saved plans, the executor, the loop): a module opts in whole with
    `pytestmark = pytest.mark.usefixtures("revisions")`, a test by taking `revisions`.
    """
    mode: str = request.param
    emulator.configure(revisions=mode)
    return mode


@pytest.fixture
def api_key() -> str:
    return API_KEY


@pytest.fixture
def remote(emulator: EmulatorHandle, api_key: str) -> Iterator[JudgesClient]:
    """judgesync's own client for the emulator, authenticated with `api_key`."""
    with JudgesClient(emulator.url, api_key) as client:
        yield client


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current directory: a fresh repository holding a copy of the shipped judges."""
    (tmp_path / ".git").mkdir()
    shutil.copytree(SHIPPED_JUDGES, tmp_path / "judges")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def api_client(emulator: EmulatorHandle, api_key: str) -> Iterator[httpx.Client]:
    """A plain httpx client for the emulator, authenticated with `api_key`."""
    with httpx.Client(
        base_url=emulator.url, headers={"Authorization": f"Bearer {api_key}"}
    ) as client:
        yield client


@pytest.fixture
def judge_definition() -> Callable[..., dict[str, Any]]:
    """A factory of valid create/update bodies: `judge_definition("name", description=...)`."""

    def make(name: str = "helpfulness", **changes: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": name,
            "description": "Is the answer helpful?",
            "model_name": "mistral-small-latest",
            "instructions": "Judge: {{ assistant_message }}\n{{ answer_type_definition }}",
            "output": {
                "type": "CLASSIFICATION",
                "options": [
                    {"value": "helpful", "description": "Answers the question."},
                    {"value": "unhelpful", "description": "Does not."},
                ],
            },
            "tools": [],
        }
        body.update(changes)
        return body

    return make


@pytest.fixture
def run(
    emulator: EmulatorHandle, api_key: str, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Any]:
    """Invoke the real CLI (click's runner) against the emulator server with the test key."""
    monkeypatch.setenv("MISTRAL_API_KEY", api_key)
    monkeypatch.setenv("JUDGESYNC_API_URL", emulator.url)

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def edited(workdir: Path, run: Callable[..., Any]) -> Path:
    """The shipped judges applied, then tone's instructions edited: a plan updates tone."""
    result = run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    spec = workdir / "judges" / "tone.yaml"
    spec.write_text(spec.read_text().replace("no sarcasm, ", ""))
    return workdir


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    """A fresh stand-in for GitHub's REST API on a loopback port (tests/github/fake.py)."""
    yield from FakeGitHub().serve()
