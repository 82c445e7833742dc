"""The emulator's window stays readable: a client that goes away mid-request leaves no
traceback, and an unexpected error is one line plus a 500 with the contract's body."""

from __future__ import annotations

import logging
import signal
import socket

import httpx

from tests.processes import start_cli

JUDGES = "/v1/observability/judges"
HEADERS = {"Authorization": "Bearer quiet-key"}


def send_half_a_body_and_hang_up(host: str, port: int, path: str) -> None:
    with socket.create_connection((host, port)) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer quiet-key\r\n"
            "Content-Type: application/json\r\nContent-Length: 4096\r\n\r\n"
            '{"name": "half'.encode()
        )


def test_clients_that_hang_up_mid_body_leave_no_traceback_in_the_emulator_output(tmp_path):
    process = start_cli("emulator", "--port", "0", "--db", str(tmp_path / "e.db"))
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split(" on ")[1].split(" ")[0]
        process.stdout.readline()
        host, port = url.removeprefix("http://").split(":")
        paths = [
            JUDGES,
            f"{JUDGES}/{'0' * 8}-0000-0000-0000-{'0' * 12}",
            "/v1/observability/datasets",
        ]
        for path in paths:
            send_half_a_body_and_hang_up(host, int(port), path)
        # A full request after them: the server is still serving.
        assert httpx.get(f"{url}{JUDGES}", headers=HEADERS).status_code == 200
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = stdout + stderr
    assert process.returncode == 0
    assert "Traceback" not in output
    assert "ClientDisconnect" not in output
    assert "Exception" not in output
    for path in paths:
        assert output.count(f'"POST {path} HTTP/1.1"') <= 1
    assert f'"GET {JUDGES} HTTP/1.1" 200' in stdout


def test_an_unexpected_error_is_one_log_line_and_a_500_with_the_contract_body(
    emulator, api_client, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk\nfell off")

    monkeypatch.setattr(emulator.emulator.store, "newest_revisions_page", broken)
    caplog.set_level(logging.INFO)
    answer = api_client.get(JUDGES)
    assert answer.status_code == 500
    assert answer.json() == {"detail": {"message": "Internal emulator error.", "error_code": None}}
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.getMessage() for record in errors] == [
        f"Unexpected error on GET {JUDGES}: RuntimeError: the disk fell off"
    ]
    assert errors[0].exc_info is None
