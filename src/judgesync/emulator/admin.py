"""Admin endpoints for tests and demos, under `/_emulator/`. They need no API key.

GET  /_emulator/settings                   the current settings
POST /_emulator/settings                   change some settings (JSON object of fields)
POST /_emulator/reset                      forget every judge, restore start-up settings
POST /_emulator/judges/{judge_id}/campaign  pretend a campaign uses the judge
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from judgesync.emulator.refusals import validation_error
from judgesync.emulator.state import Emulator
from judgesync.emulator.wire import parse_json, parse_judge_id

router = APIRouter(prefix="/_emulator", tags=["emulator admin"])


def _emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


@router.get("/settings")
async def read_settings(request: Request) -> dict[str, Any]:
    return _emulator(request).settings.model_dump(mode="json")


@router.post("/settings")
async def change_settings(request: Request) -> dict[str, Any]:
    changes = parse_json(await request.body())
    if not isinstance(changes, dict):
        raise validation_error("The settings body must be a JSON object of fields to change.")
    emulator = _emulator(request)
    try:
        await run_in_threadpool(lambda: emulator.configure(**changes))
    except ValidationError as error:
        raise validation_error(f"Invalid settings: {error.errors()[0]['msg']}") from None
    return emulator.settings.model_dump(mode="json")


@router.post("/reset", status_code=204)
async def reset(request: Request) -> Response:
    await run_in_threadpool(_emulator(request).reset)
    return Response(status_code=204)


@router.post("/judges/{judge_id}/campaign", status_code=204)
async def lock_for_campaign(judge_id: str, request: Request) -> Response:
    canonical_id = parse_judge_id(judge_id)
    await run_in_threadpool(_emulator(request).lock_for_campaign, canonical_id)
    return Response(status_code=204)
