"""The emulator's behaviour switches: contract readings, revision mode, faults.

One mutable `EmulatorSettings` object lives on the running app
(`app.state.emulator.settings`); every request reads it afresh, so a test can
change it between requests, directly or through `POST /_emulator/settings`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from judgesync.emulator.limits import DEFAULT_MAX_PAGE_SIZE

RevisionMode = Literal["in-place", "new-id"]
NameUniqueness = Literal["exact", "casefold"]
DeletedVisibility = Literal["hidden", "visible"]
PaginationStyle = Literal["links", "count-only"]


class EmulatorSettings(BaseModel):
    """How the emulator reads the open points of the API contract, and which faults it injects.

    Defaults come first in each `Literal`; see docs/emulator.md for what each one does.
    """

    # Mutable on purpose: tests and the admin endpoint change it while the server runs.
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    revisions: RevisionMode = "in-place"
    name_uniqueness: NameUniqueness = "exact"
    deleted: DeletedVisibility = "hidden"
    pagination: PaginationStyle = "links"
    max_page_size: int = Field(default=DEFAULT_MAX_PAGE_SIZE, ge=1)
    # False: the dataset and record endpoints answer 404, as an API without them would.
    datasets: bool = True

    # Imports from spans: how long a task stays RUNNING before it works (a stall, if
    # long), and whether it then ends FAILED instead.
    import_delay_seconds: float = Field(default=0.0, ge=0)
    import_fail: bool = False

    latency_ms: float = Field(default=0.0, ge=0)
    jitter_ms: float = Field(default=0.0, ge=0)
    # Live judging only, on top of latency_ms: a slow model (benchmarks of replays).
    judging_latency_ms: float = Field(default=0.0, ge=0)
    fail_rate: float = Field(default=0.0, ge=0, le=1)
    seed: int | None = None
    rate_limit: float = Field(default=0.0, ge=0, description="requests/second per key; 0 = off")
    retry_after_seconds: int = Field(default=1, ge=0)

    # Judge ids that a (pretend) campaign uses: PUT on them is refused.
    campaign_judge_ids: set[str] = Field(default_factory=set)
