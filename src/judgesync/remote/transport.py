"""A lean HTTP/1.1 transport for httpx, on the standard library's `http.client`.

httpx's default transport (httpcore and h11, both pure Python) spends about
1 ms of CPU per request; with 16 threads sharing one interpreter that, not
the network, bounds how fast `apply` goes. `http.client` parses responses in
a fraction of that. Everything above the transport is still httpx: request
building, headers, decoding of `Content-Encoding`, `MockTransport` in tests.
It speaks to the server directly: `judgesync.remote.client` keeps httpx's own
transport when the environment configures a proxy.

Connections are kept alive in a pool per origin. One that the server closed
while idle is noticed before reuse (its socket reads as ready) and replaced.
Failures are raised as httpx's exceptions, so callers retry them as usual:
`ConnectError`/`ConnectTimeout` when no connection could be made,
`ReadTimeout`/`WriteTimeout`, `RemoteProtocolError` when the server hung up
without answering, `ReadError`/`WriteError` for other socket errors.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
from collections.abc import Callable

import httpx

_Origin = tuple[str, str, int]
_DEFAULT_PORTS = {"http": 80, "https": 443}


class PooledTransport(httpx.BaseTransport):
    """Keep-alive HTTP/1.1 over `http.client`; thread-safe.

    `ssl_context` defaults to httpx's own verified context (certifi, or
    SSL_CERT_FILE / SSL_CERT_DIR), built on the first https request.
    """

    def __init__(self, ssl_context: ssl.SSLContext | None = None, max_idle: int = 64) -> None:
        self._ssl_context = ssl_context
        self._max_idle = max_idle
        self._idle: dict[_Origin, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"Unsupported URL scheme {url.scheme!r}.")
        origin = (url.scheme, url.raw_host.decode("ascii"), url.port or _DEFAULT_PORTS[url.scheme])
        timeouts = request.extensions.get("timeout", {})
        body = request.read() or None
        # str names (http.client looks for "host" and "content-length"), raw byte values.
        # The body is sent whole, so http.client frames it with Content-Length, not chunks.
        headers = {
            name.decode("latin-1"): value
            for name, value in request.headers.raw
            if name.lower() != b"transfer-encoding"
        }
        connection = self._idle_connection(origin) or self._connect(origin, timeouts)
        try:
            connection.sock.settimeout(timeouts.get("write"))
            try:
                connection.request(request.method, url.raw_path.decode("ascii"), body, headers)
            except Exception as error:
                raise _as_httpx_error(error, _WRITE_ERRORS) from None
            connection.sock.settimeout(timeouts.get("read"))
            try:
                answer = connection.getresponse()
                content = answer.read()
            except Exception as error:
                raise _as_httpx_error(error, _READ_ERRORS) from None
        except BaseException:
            connection.close()
            raise
        if answer.will_close:
            connection.close()
        else:
            self._release(origin, connection)
        return httpx.Response(
            answer.status,
            # Bytes, as received: http.client decoded them as Latin-1, and httpx would
            # refuse to re-encode a non-ASCII value as text.
            headers=[
                (name.encode("latin-1"), value.encode("latin-1"))
                for name, value in answer.getheaders()
            ],
            # A stream, not `content`: httpx then decodes gzip and the like itself.
            stream=httpx.ByteStream(content),
            extensions={
                "http_version": b"HTTP/1.0" if answer.version == 10 else b"HTTP/1.1",
                "reason_phrase": answer.reason.encode("latin-1", "replace"),
            },
        )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle = [connection for pool in self._idle.values() for connection in pool]
            self._idle.clear()
        for connection in idle:
            connection.close()

    def _idle_connection(self, origin: _Origin) -> http.client.HTTPConnection | None:
        while True:
            with self._lock:
                pool = self._idle.get(origin)
                if not pool:
                    return None
                connection = pool.pop()
            if not _readable(connection):
                return connection
            # Readable while idle: the server hung up (or misbehaved). Use another.
            connection.close()

    def _connect(
        self, origin: _Origin, timeouts: dict[str, float | None]
    ) -> http.client.HTTPConnection:
        scheme, host, port = origin
        connect_timeout = timeouts.get("connect")
        connection: http.client.HTTPConnection
        if scheme == "https":
            connection = http.client.HTTPSConnection(
                host, port, timeout=connect_timeout, context=self._tls_context()
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=connect_timeout)
        try:
            connection.connect()
        except BaseException as error:
            connection.close()
            if isinstance(error, TimeoutError):
                raise httpx.ConnectTimeout(str(error) or "timed out") from None
            if isinstance(error, Exception):
                raise httpx.ConnectError(str(error)) from None
            raise
        # Small requests must not wait on Nagle's algorithm for the server's ACK.
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def _release(self, origin: _Origin, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            pool = self._idle.setdefault(origin, [])
            if not self._closed and len(pool) < self._max_idle:
                pool.append(connection)
                return
        connection.close()

    def _tls_context(self) -> ssl.SSLContext:
        with self._lock:
            if self._ssl_context is None:
                self._ssl_context = httpx.create_ssl_context()
            return self._ssl_context


def _readable(connection: http.client.HTTPConnection) -> bool:
    """Whether an idle connection's socket has something to read: a hang-up, or junk."""
    sock = connection.sock
    if sock is None:
        return True
    try:
        # poll, where there is one: select cannot watch descriptors numbered 1024 or more.
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        ready, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(ready)


_ErrorMap = tuple[tuple[type[Exception], Callable[[str], httpx.TransportError]], ...]

# The first matching class wins, so subclasses come before their bases.
_READ_ERRORS: _ErrorMap = (
    (http.client.HTTPException, httpx.RemoteProtocolError),  # hung up, garbled answer
    (TimeoutError, httpx.ReadTimeout),
    (OSError, httpx.ReadError),
)
_WRITE_ERRORS: _ErrorMap = (
    (TimeoutError, httpx.WriteTimeout),
    (OSError, httpx.WriteError),
)


def _as_httpx_error(error: Exception, mapping: _ErrorMap) -> httpx.TransportError:
    for kind, httpx_error in mapping:
        if isinstance(error, kind):
            return httpx_error(str(error) or type(error).__name__)
    # Not quoted: http.client's complaints about a header quote its value, which may be
    # the Authorization header.
    return httpx.LocalProtocolError(f"The request could not be sent ({type(error).__name__}).")
