"""PooledTransport against real sockets: a scripted HTTP server on loopback,
so keep-alive, hang-ups, timeouts and TLS are the kernel's, not a mock's."""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import trustme

from judgesync.errors import ApiUnreachable, ConfigError
from judgesync.remote.client import JudgesClient
from judgesync.remote.retry import RetryPolicy
from judgesync.remote.transport import PooledTransport

# One connection's behaviour: given the socket, serve it until done.
Script = Callable[[socket.socket], None]


@dataclass
class ScriptedServer:
    """Accepts connections on a free loopback port and runs `script` on each."""

    script: Script
    tls: ssl.SSLContext | None = None
    accepted: int = 0
    requests: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://localhost:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._run, args=(connection,), daemon=True).start()

    def _run(self, connection: socket.socket) -> None:
        try:
            if self.tls is not None:
                connection = self.tls.wrap_socket(connection, server_side=True)
            self.script(connection)
        except (OSError, ssl.SSLError):
            pass
        finally:
            connection.close()

    def read_request(self, connection: socket.socket) -> bytes | None:
        """One whole request (head and Content-Length body), or None at end of stream."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        while len(body) < length:
            body += connection.recv(65536)
        self.requests.append(head + b"\r\n\r\n" + body)
        return head

    def close(self) -> None:
        self._listener.close()


def answer(body: bytes = b'{"ok": true}', *headers: str) -> bytes:
    lines = ["HTTP/1.1 200 OK", "Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join([*lines, *headers]) + "\r\n\r\n").encode() + body


@pytest.fixture
def serve() -> Iterator[Callable[..., ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(script_for: Callable[[ScriptedServer], Script], **options: object) -> ScriptedServer:
        server = ScriptedServer(lambda connection: None, **options)  # type: ignore[arg-type]
        server.script = script_for(server)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def keep_alive(server: ScriptedServer) -> Script:
    def script(connection: socket.socket) -> None:
        while server.read_request(connection) is not None:
            connection.sendall(answer())

    return script


def test_sequential_requests_share_one_kept_alive_connection(serve) -> None:
    server = serve(keep_alive)
    with httpx.Client(base_url=server.url, transport=PooledTransport()) as client:
        answers = [client.get("/v1/judges").json() for _ in range(3)]
    assert answers == [{"ok": True}] * 3
    assert server.accepted == 1


def test_method_target_headers_and_body_are_sent_once_each(serve) -> None:
    server = serve(keep_alive)
    with httpx.Client(base_url=server.url, transport=PooledTransport()) as client:
        client.post("/v1/judges", params={"page": 2}, json={"name": "tone"})
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    names = [line.split(":", 1)[0].lower() for line in lines[1:]]
    assert lines[0] == "POST /v1/judges?page=2 HTTP/1.1"
    assert names.count("host") == 1 and names.count("content-length") == 1
    assert json.loads(body) == {"name": "tone"}


def test_a_connection_the_server_closed_while_idle_is_replaced(serve) -> None:
    hung_up = threading.Event()

    def one_answer_then_hang_up(server: ScriptedServer) -> Script:
        def script(connection: socket.socket) -> None:
            server.read_request(connection)
            connection.sendall(answer())  # keep-alive implied, then closed anyway
            connection.close()
            hung_up.set()

        return script

    server = serve(one_answer_then_hang_up)
    with httpx.Client(base_url=server.url, transport=PooledTransport()) as client:
        first = client.get("/a")
        assert hung_up.wait(5)
        second = client.get("/b")
    assert (first.status_code, second.status_code) == (200, 200)
    assert server.accepted == 2


def test_connection_close_is_honoured(serve) -> None:
    def close_each(server: ScriptedServer) -> Script:
        def script(connection: socket.socket) -> None:
            server.read_request(connection)
            connection.sendall(answer(b"{}", "Connection: close"))

        return script

    server = serve(close_each)
    with httpx.Client(base_url=server.url, transport=PooledTransport()) as client:
        assert [client.get("/").status_code for _ in range(2)] == [200, 200]
    assert server.accepted == 2


def test_gzip_bodies_are_decoded_by_httpx(serve) -> None:
    def gzipped(server: ScriptedServer) -> Script:
        def script(connection: socket.socket) -> None:
            server.read_request(connection)
            connection.sendall(answer(gzip.compress(b'{"zipped": 1}'), "Content-Encoding: gzip"))

        return script

    server = serve(gzipped)
    with httpx.Client(base_url=server.url, transport=PooledTransport()) as client:
        assert client.get("/").json() == {"zipped": 1}


def test_hanging_up_without_an_answer_is_a_remote_protocol_error(serve) -> None:
    def hang_up(server: ScriptedServer) -> Script:
        return server.read_request

    server = serve(hang_up)
    with (
        httpx.Client(base_url=server.url, transport=PooledTransport()) as client,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        client.get("/")


def test_no_answer_in_time_is_a_read_timeout(serve) -> None:
    released = threading.Event()

    def silent(server: ScriptedServer) -> Script:
        def script(connection: socket.socket) -> None:
            server.read_request(connection)
            released.wait(5)

        return script

    server = serve(silent)
    try:
        with (
            httpx.Client(base_url=server.url, transport=PooledTransport(), timeout=0.2) as client,
            pytest.raises(httpx.ReadTimeout),
        ):
            client.get("/")
    finally:
        released.set()


def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with (
        httpx.Client(transport=PooledTransport()) as client,
        pytest.raises(httpx.ConnectError),
    ):
        client.get(f"http://127.0.0.1:{port}/")


def test_judges_client_retries_through_hang_ups_with_this_transport(serve) -> None:
    attempts = []

    def flaky(server: ScriptedServer) -> Script:
        def script(connection: socket.socket) -> None:
            while server.read_request(connection) is not None:
                attempts.append(1)
                if len(attempts) == 1:
                    return  # the first attempt is dropped unanswered
                connection.sendall(answer(b'{"judges": {"count": 0, "results": []}}'))

        return script

    server = serve(flaky)
    retry = RetryPolicy(attempts=3, base_delay=0.0)
    with JudgesClient(server.url, "secret-key", retry=retry) as client:
        assert client.list_judges() == []
    assert len(attempts) == 2


def test_an_unreachable_api_is_reported_without_the_key() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    retry = RetryPolicy(attempts=2, base_delay=0.0)
    with (
        JudgesClient(f"http://127.0.0.1:{port}", "secret-key", retry=retry) as client,
        pytest.raises(ApiUnreachable) as raised,
    ):
        client.list_judges()
    assert "ConnectError" in str(raised.value) and "secret-key" not in str(raised.value)


@pytest.fixture(scope="module")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


def test_https_verifies_the_server_certificate(serve, certificate_authority) -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("localhost").configure_cert(server_context)
    server = serve(keep_alive, tls=server_context)
    trusting = ssl.create_default_context()
    certificate_authority.configure_trust(trusting)

    with httpx.Client(base_url=server.url, transport=PooledTransport(trusting)) as client:
        assert client.get("/").json() == {"ok": True}
    # httpx's default trust store (certifi) has never heard of this CA.
    with (
        httpx.Client(base_url=server.url, transport=PooledTransport()) as client,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        client.get("/")


def test_a_proxy_from_the_environment_carries_the_requests(serve, monkeypatch) -> None:
    def proxy(server: ScriptedServer) -> Script:
        def script(connection: socket.socket) -> None:
            while server.read_request(connection) is not None:
                connection.sendall(answer(b'{"judges": {"count": 0, "results": []}}'))

        return script

    server = serve(proxy)
    monkeypatch.setenv("HTTP_PROXY", server.url)
    with JudgesClient("http://judges.invalid", "secret-key") as client:
        assert client.list_judges() == []
    request_line = server.requests[0].split(b"\r\n", 1)[0]
    assert request_line.startswith(b"GET http://judges.invalid/v1/observability/judges?")


def test_a_response_header_that_is_not_ascii_is_kept_as_bytes(serve) -> None:
    def latin1_header(server: ScriptedServer) -> Script:
        def script(connection: socket.socket) -> None:
            server.read_request(connection)
            connection.sendall(answer(b"{}").replace(b"\r\n\r\n", b"\r\nX-Note: caf\xe9\r\n\r\n"))

        return script

    server = serve(latin1_header)
    with httpx.Client(base_url=server.url, transport=PooledTransport()) as client:
        response = client.get("/")
    assert response.json() == {}
    assert response.headers.raw[-1] == (b"X-Note", b"caf\xe9")


def test_a_header_http_client_refuses_fails_without_quoting_it(serve) -> None:
    server = serve(keep_alive)
    with (
        httpx.Client(base_url=server.url, transport=PooledTransport()) as client,
        pytest.raises(httpx.LocalProtocolError) as raised,
    ):
        client.get("/", headers={"X-Token": "secret\nX-Injected: 1"})
    assert "secret" not in str(raised.value)


def test_an_api_key_with_a_line_break_is_refused_without_quoting_it() -> None:
    with pytest.raises(ConfigError) as raised:
        JudgesClient("http://127.0.0.1:9", "sk-secret\nX: y", key_env="MY_KEY")
    assert "MY_KEY" in str(raised.value) and "sk-secret" not in str(raised.value)


def test_a_streamed_body_is_sent_whole_with_its_length(serve) -> None:
    server = serve(keep_alive)
    with httpx.Client(base_url=server.url, transport=PooledTransport()) as client:
        client.post("/", content=iter([b'{"a": ', b"1}"]))
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    assert b"content-length: 8" in head.lower() and b"transfer-encoding" not in head.lower()
    assert body == b'{"a": 1}'
