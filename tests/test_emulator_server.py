"""Serving: persistence across restarts, the embedded `local` emulator, the CLI command."""

from __future__ import annotations

import signal
import socket

import httpx
import pytest
from click.testing import CliRunner

from judgesync.cli import cli
from judgesync.cli.emulator import emulator_command
from judgesync.emulator import Emulator, EmulatorServer, EmulatorSettings, EmulatorStartError
from judgesync.remote.local import embedded_emulator
from judgesync.settings.local_state import LOCAL_DB
from tests.processes import start_cli

JUDGES = "/v1/observability/judges"
HEADERS = {"Authorization": "Bearer persistent-key"}


def test_judges_survive_a_restart_on_a_file_database(tmp_path, judge_definition):
    db = tmp_path / "nested" / "emulator.db"
    new_id = EmulatorSettings(revisions="new-id")
    with EmulatorServer(Emulator(new_id, db=db)) as server:
        created = httpx.post(f"{server.url}{JUDGES}", json=judge_definition(), headers=HEADERS)
        identifier = created.json()["id"]
        httpx.put(
            f"{server.url}{JUDGES}/{identifier}",
            json=judge_definition(description="v2"),
            headers=HEADERS,
        )
    with EmulatorServer(Emulator(new_id.model_copy(), db=db)) as server:
        listed = httpx.get(f"{server.url}{JUDGES}", headers=HEADERS).json()["judges"]
        old = httpx.get(f"{server.url}{JUDGES}/{identifier}", headers=HEADERS).json()
    assert listed["count"] == 1
    assert listed["results"][0]["description"] == "v2"
    assert old["up_revision"] == listed["results"][0]["id"]


def test_a_restart_with_casefold_names_over_clashing_names_fails_clearly(
    tmp_path, judge_definition
):
    db = tmp_path / "emulator.db"
    with EmulatorServer(Emulator(db=db)) as server:
        for name in ("tone", "Tone"):
            httpx.post(f"{server.url}{JUDGES}", json=judge_definition(name), headers=HEADERS)
    with pytest.raises(EmulatorStartError, match="collide"):
        Emulator(EmulatorSettings(name_uniqueness="casefold"), db=db)


def test_the_embedded_emulator_shares_state_between_runs_in_one_workdir(tmp_path, judge_definition):
    with embedded_emulator(tmp_path / LOCAL_DB) as url:
        assert url.startswith("http://127.0.0.1:")
        httpx.post(f"{url}{JUDGES}", json=judge_definition(), headers=HEADERS)
    with embedded_emulator(tmp_path / LOCAL_DB) as url:
        listed = httpx.get(f"{url}{JUDGES}", headers=HEADERS).json()["judges"]
    assert listed["count"] == 1
    assert (tmp_path / ".judgesync" / "local.db").exists()


def test_a_port_in_use_is_reported_before_serving():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EmulatorStartError, match=str(port)):
            EmulatorServer(Emulator(), port=port)


def test_the_command_reports_a_port_in_use_as_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            emulator_command, ["--port", str(port), "--db", str(tmp_path / "e.db")]
        )
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: Cannot listen on 127.0.0.1:{port}")


def test_the_command_help_shows_an_example_and_every_reading():
    result = CliRunner().invoke(emulator_command, ["--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "export JUDGESYNC_API_URL=http://127.0.0.1:8765" in result.output
    for flag in (
        "--revisions",
        "--name-uniqueness",
        "--deleted",
        "--pagination",
        "--max-page-size",
        "--fail-rate",
        "--seed",
        "--rate-limit",
        "--api-key",
        "--no-access-log",
        "--no-datasets",
    ):
        assert flag in result.output


def test_the_command_refuses_an_unknown_reading_as_a_usage_error():
    result = CliRunner().invoke(cli, ["emulator", "--revisions", "sometimes"])
    assert result.exit_code == 1
    assert "Invalid value for '--revisions': 'sometimes' is not one of" in result.output


@pytest.mark.parametrize(
    ("flags", "logs_requests", "datasets_status"),
    [([], True, 200), (["--no-access-log", "--no-datasets"], False, 404)],
)
def test_the_command_serves_prints_its_url_and_stops_on_sigterm(
    tmp_path, flags, logs_requests, datasets_status
):
    command = ["emulator", "--port", "0", "--db", str(tmp_path / "e.db"), *flags]
    process = start_cli(*command)
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        export_line = process.stdout.readline()
        assert first_line.startswith("judgesync emulator listening on http://127.0.0.1:")
        url = export_line.strip().removeprefix("export JUDGESYNC_API_URL=")
        assert httpx.get(f"{url}{JUDGES}", headers=HEADERS).status_code == 200
        datasets = httpx.get(f"{url}/v1/observability/datasets", headers=HEADERS)
        assert datasets.status_code == datasets_status
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert "Emulator stopped." in stderr
    assert (f"GET {JUDGES}" in stdout) == logs_requests
