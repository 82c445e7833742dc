"""Injected trouble: latency, random failures from a seeded RNG, a per-key rate limit.

Decisions are made on the event loop, one request at a time, so a given seed
and a given sequence of requests always produce the same failures.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass

from judgesync.emulator.refusals import ApiRefusal
from judgesync.emulator.settings import EmulatorSettings

FAULT_STATUSES = (429, 500, 503)


@dataclass
class _Bucket:
    tokens: float
    refilled_at: float


class FaultInjector:
    def __init__(self, settings: EmulatorSettings) -> None:
        self._settings = settings
        self._buckets: dict[str, _Bucket] = {}
        self._seeded_with: int | None = None
        self._failures = random.Random()
        self._jitter = random.Random()
        self.reset()

    def reset(self) -> None:
        """Forget rate-limit history and restart the random sequences from the seed."""
        self._buckets.clear()
        self._reseed()

    def _reseed(self) -> None:
        self._seeded_with = self._settings.seed
        self._failures.seed(self._settings.seed)
        self._jitter.seed(self._settings.seed)

    async def before_request(self, client_key: str) -> None:
        """Decide on arrival, sleep, then maybe refuse; `client_key` names the caller."""
        settings = self._settings
        if settings.seed != self._seeded_with:
            self._reseed()
        # Draw everything on arrival, before sleeping, so that concurrent requests'
        # latencies cannot reorder the draws.
        failure: ApiRefusal | None = None
        if settings.fail_rate and self._failures.random() < settings.fail_rate:
            failure = self._injected_failure(self._failures.choice(FAULT_STATUSES))
        delay_ms = settings.latency_ms
        if settings.jitter_ms:
            delay_ms += self._jitter.uniform(0, settings.jitter_ms)
        if failure is None and settings.rate_limit:
            failure = self._take_token(client_key, settings.rate_limit)
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        if failure is not None:
            raise failure

    def _injected_failure(self, status: int) -> ApiRefusal:
        if status == 429:
            return ApiRefusal(
                429,
                None,
                "Emulated rate limit (fault injection).",
                {"Retry-After": str(self._settings.retry_after_seconds)},
            )
        return ApiRefusal(status, None, f"Emulated server error {status} (fault injection).")

    def _take_token(self, client_key: str, rate: float) -> ApiRefusal | None:
        now = time.monotonic()
        capacity = max(1.0, rate)
        bucket = self._buckets.setdefault(client_key, _Bucket(tokens=capacity, refilled_at=now))
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.refilled_at) * rate)
        bucket.refilled_at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        wait_seconds = math.ceil((1 - bucket.tokens) / rate)
        return ApiRefusal(
            429,
            None,
            f"Rate limit of {rate:g} requests per second exceeded.",
            {"Retry-After": str(wait_seconds)},
        )
