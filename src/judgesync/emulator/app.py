"""The FastAPI application: routes plus handlers that give every error the contract's body.

FastAPI's own 422 and HTTPException answers are replaced so that malformed
requests, unknown paths and wrong methods all answer
`{"detail": {"message", "error_code"}}`; anything unexpected answers a plain
500 with that body and no traceback.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from judgesync.emulator import admin, routes
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


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    logger.error("Unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return JSONResponse(error_body("Internal emulator error.", None), 500)


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
    app.include_router(admin.router)
    app.add_exception_handler(ApiRefusal, _refusal)
    app.add_exception_handler(StorageError, _refusal)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    return app
