"""The FastAPI application: routes plus handlers that give every error the contract's body.

FastAPI's own 422 and HTTPException answers are replaced so that malformed
requests, unknown paths and wrong methods all answer
`{"detail": {"message", "error_code"}}`; anything unexpected answers a plain
500 with that body and logs one line, no traceback. A client that goes away
mid-request (Ctrl-C on an apply) is nobody's error: nothing is answered, nothing
logged.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from judgesync.emulator import admin, dataset_routes, import_routes, routes, spans_routes
from judgesync.emulator.judging_pool import JudgingPool
from judgesync.emulator.model_judging import JudgingModel
from judgesync.emulator.refusals import ApiRefusal, error_body, refusal_for
from judgesync.emulator.state import Emulator
from judgesync.emulator.storage_errors import StorageError

logger = logging.getLogger("judgesync.emulator")


async def _refusal(request: Request, error: Exception) -> JSONResponse:
    if isinstance(error, StorageError):
        error = refusal_for(error)
    assert isinstance(error, ApiRefusal)
    return JSONResponse(
        error_body(error.message, error.error_code), error.status, headers=error.headers
    )


async def _invalid_request(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = "; ".join(
        ".".join(str(part) for part in item.get("loc", ())) + f": {item.get('msg', 'invalid')}"
        for item in list(error.errors())[:5]
    )
    return JSONResponse(error_body(f"Invalid request: {problems}", "VALIDATION_ERROR"), 422)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    return JSONResponse(
        error_body(str(error.detail), None), error.status_code, headers=error.headers
    )


async def _client_gone(request: Request, error: Exception) -> Response:
    # uvicorn sends nothing to a disconnected client, so this answer is never seen or logged.
    return Response(status_code=499)


class _OneLineErrors:
    """Unexpected errors as one log line and a 500 with the contract's body.

    Starlette's own handler for `Exception` answers, then re-raises, and uvicorn prints
    the traceback (dozens of lines); this middleware, inside it, lets nothing through.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_noting_the_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_noting_the_start)
        except Exception as error:
            logger.error(
                "Unexpected error on %s %s: %s: %s",
                scope["method"],
                scope["path"],
                type(error).__name__,
                " ".join(str(error).split()),  # one line, whatever the message holds
            )
            if not started:
                answer = JSONResponse(error_body("Internal emulator error.", None), 500)
                await answer(scope, receive, send)


def create_app(emulator: Emulator, judging_model: JudgingModel | None = None) -> FastAPI:
    """The app, judging by the hash rule or with `judging_model`; whoever serves it calls
    `app.state.judging_pool.close()` when done."""
    app = FastAPI(
        title="judgesync emulator",
        description="A local emulator of the Mistral judges API. See docs/emulator.md.",
    )
    app.state.emulator = emulator
    app.state.judging_pool = JudgingPool(model=judging_model)
    routes.add_routes(app)
    dataset_routes.add_routes(app)
    spans_routes.add_routes(app)
    import_routes.add_routes(app)
    app.include_router(admin.router)
    app.add_exception_handler(ApiRefusal, _refusal)
    app.add_exception_handler(StorageError, _refusal)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_middleware(_OneLineErrors)
    return app
