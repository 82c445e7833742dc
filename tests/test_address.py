"""The API URL rule alone and through the real CLI, and the CLI's refusal of a key no
header can carry: each is one line of error, and nothing is sent."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from judgesync.cli import cli
from judgesync.settings.address import api_url_problem

GOOD = [
    "https://api.mistral.ai",
    "http://127.0.0.1:8000",
    "HTTPS://API.MISTRAL.AI:443/",
    "http://[::1]:8080",
    "http://emulator.internal:1/prefix/v2",
    "http://host:65535",
    "http://host:1/v..2/.well/x.",
]


@pytest.mark.parametrize("url", GOOD)
def test_a_plain_http_or_https_base_url_has_no_problem(url):
    assert api_url_problem(url) is None


# Each bad URL is aimed at the listener's port where it has one: were the
# URL used anyway (a port wrapped modulo 65536, an empty host read as
# localhost), the listener would see a connection.
BAD = [
    ("http://127.0.0.1:{big_port}", "port that is not a number from 1 to 65535"),
    ("http://127.0.0.1:0", "port that is not a number from 1 to 65535"),
    ("http://127.0.0.1:-1", "port that is not a number from 1 to 65535"),
    ("http://127.0.0.1:eighty", "port that is not a number from 1 to 65535"),
    ("http://:{port}", "names no host"),
    ("http:///v1", "names no host"),
    ("http://user:s3cr3t-pw@127.0.0.1:{port}", "holds a user name or password"),
    ("http://127.0.0.1:{port}/?page=1", "has a query or a fragment"),
    ("http://127.0.0.1:{port}/#top", "has a query or a fragment"),
    ("ftp://127.0.0.1:{port}", "does not start with http:// or https://"),
    ("127.0.0.1:{port}", "does not start with http:// or https://"),
    ("http:/127.0.0.1:{port}", "does not start with http:// or https://"),
    ("http://127.0.0.1:{port}/a b", "holds a space or a control character"),
    ("http://[::1:{port}", "cannot be read (Invalid IPv6 URL)"),
    ("http://caf\u00e9_:{port}", "has a host that is not ASCII"),
    ("http://127.0.0.1:{port}/../../etc", "has a '.' or '..' segment in its path"),
    ("http://127.0.0.1:{port}/v1/..", "has a '.' or '..' segment in its path"),
    ("http://127.0.0.1:{port}/./v1", "has a '.' or '..' segment in its path"),
    ("http://127.0.0.1:{port}/%2E%2e/v1", "has a '.' or '..' segment in its path"),
]


@settings(max_examples=500)
@given(
    scheme=st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "http:/", ""]),
    host=st.one_of(
        st.from_regex(r"[a-z0-9_\u00e9][a-z0-9_\u00e9.-]{0,12}", fullmatch=True),
        st.text(st.sampled_from("ab9.-_:[]@%\u00e9 /?#"), max_size=12),
    ),
    port=st.one_of(st.just(""), st.integers(-5, 70_000).map(lambda port: f":{port}")),
    path=st.text(st.sampled_from("/ab%?#.\u00e9"), max_size=6),
)
def test_a_url_is_either_one_httpx_can_send_to_or_has_a_problem(scheme, host, port, path):
    url = scheme + host + port + path

    problem = api_url_problem(url)

    if problem is None:
        parsed = httpx.URL(url).join("/v1/observability/judges")
        assert parsed.scheme in ("http", "https")
        assert parsed.host
        assert parsed.port is None or 1 <= parsed.port <= 65535
        # No segment climbs: the path sent is the one written.
        assert ".." not in httpx.URL(url).path.split("/")
    else:
        assert problem.startswith("The API URL ") and problem.endswith(".")


@pytest.mark.parametrize(("url", "problem"), BAD)
def test_a_url_that_cannot_be_a_base_url_is_a_whole_sentence(url, problem):
    sentence = api_url_problem(url.format(port=8000, big_port=8000 + 65536))

    assert sentence is not None
    assert problem in sentence
    assert sentence.startswith("The API URL ") and sentence.endswith(".")
    assert "s3cr3t-pw" not in sentence


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback socket that accepts connections, to see whether any arrived."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        yield server


def connections_to(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = server.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


@pytest.mark.parametrize(("url", "problem"), BAD)
def test_plan_with_a_bad_api_url_is_one_line_of_error_and_sends_nothing(
    workdir, monkeypatch, listener, url, problem
):
    port = listener.getsockname()[1]
    monkeypatch.setenv("MISTRAL_API_KEY", "sk-a-perfectly-good-key")
    bad = url.format(port=port, big_port=port + 65536)

    result = CliRunner().invoke(cli, ["plan", "--api-url", bad, "judges/"])

    assert result.exit_code == 1
    assert result.output.startswith("Error: The API URL ")
    assert problem in result.output
    assert result.output.count("\n") == 1
    assert "s3cr3t-pw" not in result.output
    assert connections_to(listener) == 0


def test_the_listener_does_see_a_connection(listener):
    """The counterpart of the table above: a connection would have been counted."""
    with socket.create_connection(listener.getsockname(), timeout=5):
        pass

    assert connections_to(listener) == 1


@pytest.mark.parametrize("key", ["sk-caf\u00e9-0123456789", "sk-0123\x1b[2J456789"])
def test_plan_with_a_key_no_header_can_carry_is_one_line_of_error_and_sends_nothing(
    workdir, monkeypatch, listener, key
):
    monkeypatch.setenv("MISTRAL_API_KEY", key)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"

    result = CliRunner().invoke(cli, ["plan", "--api-url", url, "judges/"])

    assert result.exit_code == 1
    assert result.output.startswith("Error: The API key in MISTRAL_API_KEY holds a control")
    assert result.output.count("\n") == 1
    assert "0123" not in result.output
    assert connections_to(listener) == 0
