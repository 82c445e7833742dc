"""Shared fixtures. Tests are hermetic: no JUDGESYNC_* or MISTRAL_* variable
from the developer's shell leaks in."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("JUDGESYNC_", "MISTRAL_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_COLOR", "1")
