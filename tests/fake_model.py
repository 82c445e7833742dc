"""A tiny OpenAI-compatible chat-completions server on loopback, scripted by the test.

    with FakeModelServer() as fake:
        fake.script(Reply(content='{"analysis": "ok", "answer": "helpful"}'))
        ... # point the emulator at fake.url
        fake.requests[0].body["messages"]

Each request takes the next scripted `Reply` (the last one repeats), waits its
`delay`, and answers its status and body; with `upstream` set, requests are
forwarded there instead (recorded all the same). Every request is recorded,
and `most_in_flight` is the largest number answered at once.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a chat completion whose message is `content`, or `raw` text."""

    content: str = '{"analysis": "Fine.", "answer": "helpful"}'
    status: int = 200
    raw: str | None = None
    finish_reason: str = "stop"
    delay: float = 0.0

    def body(self) -> bytes:
        if self.raw is not None:
            return self.raw.encode()
        completion = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": self.content},
                    "finish_reason": self.finish_reason,
                }
            ],
        }
        return json.dumps(completion).encode()


@dataclass(frozen=True)
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeModelServer:
    upstream: str | None = None
    requests: list[Recorded] = field(default_factory=list)
    most_in_flight: int = 0

    def __post_init__(self) -> None:
        self._replies: list[Reply] = [Reply()]
        self._lock = threading.Lock()
        self._in_flight = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._replies = list(replies)

    def _next(self) -> Reply:
        with self._lock:
            return self._replies.pop(0) if len(self._replies) > 1 else self._replies[0]

    def _answer(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, bytes]:
        with self._lock:
            self.requests.append(Recorded(path, headers, json.loads(raw)))
            self._in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self._in_flight)
        try:
            if self.upstream is not None:
                try:
                    response = httpx.post(
                        self.upstream + path.removeprefix("/v1"),
                        content=raw,
                        headers={"Content-Type": "application/json"},
                        timeout=300,
                    )
                except httpx.HTTPError as error:
                    return 502, json.dumps({"error": f"proxy: {error!r}"}).encode()
                return response.status_code, response.content
            reply = self._next()
            time.sleep(reply.delay)
            return reply.status, reply.body()
        finally:
            with self._lock:
                self._in_flight -= 1

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, body = fake._answer(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, raw
                )
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the emulator gave up waiting (a timeout test)
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> FakeModelServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
