"""JudgesClient on httpx's own transport against real loopback servers: TLS trust
(a throwaway certificate authority from trustme), refused handshakes, and the
proxy settings of the environment, all handled as httpx does."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import trustme

from judgesync.errors import ApiUnreachable
from judgesync.remote.client import JudgesClient
from judgesync.remote.retry import RetryPolicy

# Six quick attempts: a failure that is retried would show as several connections.
QUICK = RetryPolicy(attempts=6, base_delay=0.001, max_delay=0.01)
EMPTY_LIST = json.dumps({"judges": {"count": 0, "results": []}}).encode()


class Server(ThreadingHTTPServer):
    """Answers every GET with an empty judge list; counts connections and request lines."""

    def __init__(self, tls: ssl.SSLContext | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls = tls
        self.connections = 0
        self.request_lines: list[str] = []

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://localhost:{self.server_address[1]}"

    def get_request(self) -> tuple[Any, Any]:
        connection, address = self.socket.accept()
        self.connections += 1
        if self.tls is not None:  # the handshake; its failure is an OSError, dropped quietly
            connection = self.tls.wrap_socket(connection, server_side=True)
        return connection, address


class _Handler(BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:
        self.server.request_lines.append(self.requestline)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(EMPTY_LIST)))
        self.end_headers()
        self.wfile.write(EMPTY_LIST)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(tls: ssl.SSLContext | None = None) -> Server:
        server = Server(tls)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(serve, authority) -> Server:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(context)
    return serve(context)


def test_an_untrusted_certificate_is_reported_as_such_and_not_retried(tls_server):
    client = JudgesClient(tls_server.url, "sk-0123456789", retry=QUICK)
    with client, pytest.raises(ApiUnreachable) as caught:
        client.list_judges()

    message = str(caught.value)
    assert "failed: The server's certificate is not trusted: " in message
    assert "SSL_CERT_FILE" in message
    assert "Could not reach" not in message
    assert tls_server.connections == 1
    assert tls_server.request_lines == []


def test_ssl_cert_file_makes_a_private_authority_trusted(
    tls_server, authority, monkeypatch, tmp_path
):
    bundle = tmp_path / "private-ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))

    with JudgesClient(tls_server.url, "sk-0123456789", retry=QUICK) as client:
        assert client.list_judges() == []

    assert len(tls_server.request_lines) == 1


def test_https_to_a_plain_http_port_is_a_refused_handshake_not_retried(serve):
    plain = serve()
    url = plain.url.replace("http://", "https://")

    client = JudgesClient(url, "sk-0123456789", retry=QUICK)
    with client, pytest.raises(ApiUnreachable) as caught:
        client.list_judges()

    assert f"The TLS handshake with {url} was refused" in str(caught.value)
    assert plain.connections == 1


def test_a_proxy_from_the_environment_carries_the_requests(serve, monkeypatch):
    proxy = serve()
    monkeypatch.setenv("HTTP_PROXY", proxy.url)

    with JudgesClient("http://judges.invalid", "sk-0123456789", retry=QUICK) as client:
        assert client.list_judges() == []

    [request_line] = proxy.request_lines
    assert request_line.startswith("GET http://judges.invalid/v1/observability/judges?")


def test_no_proxy_sends_the_listed_hosts_direct(serve, monkeypatch):
    direct, proxy = serve(), serve()
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost")

    with JudgesClient(direct.url, "sk-0123456789", retry=QUICK) as client:
        assert client.list_judges() == []

    assert len(direct.request_lines) == 1
    assert proxy.connections == 0
