"""Run the emulator app with uvicorn in a background thread, on a given or free port.

    with EmulatorServer(Emulator(db=":memory:")) as server:
        httpx.get(server.url + "/v1/observability/judges", headers=...)

Port 0 picks a free port; the socket is bound here, before uvicorn starts, so
`url` is known at once and "address in use" is raised in the caller's thread.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from types import TracebackType

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from judgesync.emulator.app import create_app
from judgesync.emulator.model_judging import JudgingModel
from judgesync.emulator.state import Emulator, EmulatorStartError

_STARTUP_TIMEOUT_SECONDS = 10.0
_SHUTDOWN_TIMEOUT_SECONDS = 5.0


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets whose proto says TCP,
    # and without it every response waits ~40 ms on Nagle's algorithm.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise EmulatorStartError(f"Cannot listen on {host}:{port}: {error.strerror}.") from None
    sock.set_inheritable(True)
    return sock


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class EmulatorServer:
    """One emulator served over HTTP from a daemon thread until `stop()`."""

    def __init__(
        self,
        emulator: Emulator,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        access_log: bool = False,
        configure_logging: bool = False,
        judging_model: JudgingModel | None = None,
    ) -> None:
        """`configure_logging` lets uvicorn install its logging config (for the CLI only);
        `judging_model`, when given, judges instead of the hash rule."""
        self.emulator = emulator
        self.app = create_app(emulator, judging_model)
        try:
            self._socket = _bind(host, port)
        except EmulatorStartError:
            emulator.close()  # the server owns the emulator from here on
            raise
        bound_port = self._socket.getsockname()[1]
        shown_host = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown_host}:{bound_port}"
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            access_log=access_log,
            log_level="info" if access_log else "warning",
            timeout_graceful_shutdown=1,
            log_config=LOGGING_CONFIG if configure_logging else None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="judgesync-emulator",
            daemon=True,
        )

    def start(self) -> None:
        """Start serving and return once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + _STARTUP_TIMEOUT_SECONDS
        # uvicorn offers no readiness callback; its `started` flag flips within milliseconds.
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise EmulatorStartError(f"The emulator failed to start on {self.url}.")
            time.sleep(0.001)

    def serve_until_interrupted(self) -> None:
        """Block until Ctrl-C or SIGTERM (or the server dies), then stop cleanly."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _interrupt)
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=_SHUTDOWN_TIMEOUT_SECONDS)
        self._socket.close()
        self.app.state.judging_pool.close()
        self.emulator.close()

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
