"""The review dataset: judgesync's one dataset per workspace, its cases as records.

Replay judges a definition that is not saved by judging dataset records with
the definition inline, so no judge object is created. The dataset is named
`judgesync-review` (REVIEW_DATASET); it is found by that name, created on
first use, and never planned, imported or pruned (datasets are not judges).

Each case is one record, keyed by the SHA-256 of its request (messages and
properties) in the record property `judgesync_case_hash`: a second replay of
the same cases uploads nothing, an edited case is a new record, and records
carrying the property whose hash no replayed case has are deleted (records
without it were not made by judgesync and are left alone).

An API without datasets answers the first dataset call with 404, 405 or
`FEATURE_NOT_SUPPORTED`; `sync_records` then returns None and replay falls
back to shadow judges (review/shadows.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from judgesync.errors import ApiError
from judgesync.models import JudgeDefinition
from judgesync.progress import SILENT, Progress
from judgesync.review.live_judging import Item, Verdicts, judge_each
from judgesync.specs.case import Case

REVIEW_DATASET = "judgesync-review"
HASH_PROPERTY = "judgesync_case_hash"
_DESCRIPTION = "judgesync's replay cases (one record per case); managed by judgesync."


class ReviewDatasetApi(Protocol):
    """What the review dataset needs of the client."""

    def list_datasets(self, q: str | None = None) -> list[dict[str, Any]]: ...
    def create_dataset(self, name: str, description: str) -> dict[str, Any]: ...
    def list_records(self, dataset_id: str) -> list[dict[str, Any]]: ...
    def create_record(
        self, dataset_id: str, payload: Mapping[str, Any], properties: Mapping[str, Any]
    ) -> dict[str, Any]: ...
    def delete_record(self, record_id: str) -> None: ...
    def judge_record(self, record_id: str, definition: JudgeDefinition) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ReviewRecords:
    """The records of a run's cases: record id by case hash, and what the sync did."""

    dataset_id: str
    by_hash: Mapping[str, str]
    uploaded: int
    trimmed: int

    def record_for(self, case: Case) -> str:
        return self.by_hash[case_hash(case)]


def case_hash(case: Case) -> str:
    """The content hash of a case's request: equal requests share a record."""
    canonical = json.dumps(case.request(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def sync_records(
    client: ReviewDatasetApi, cases: Sequence[Case], parallelism: int = 8
) -> ReviewRecords | None:
    """Make the review dataset hold exactly one record per distinct case request;
    None when the API has no datasets. Uploads and deletions run `parallelism` at
    a time: one record per request, and 200 cases one after another would cost
    200 round trips before the first judgement."""
    try:
        dataset_id = _dataset_id(client)
    except ApiError as error:
        if _no_datasets(error):
            return None
        raise
    wanted = {case_hash(case): case for case in cases}
    by_hash: dict[str, str] = {}
    stale: list[str] = []
    for record in client.list_records(dataset_id):
        key = (record.get("properties") or {}).get(HASH_PROPERTY)
        if not isinstance(key, str):
            continue
        if key in wanted and key not in by_hash:
            by_hash[key] = str(record["id"])
        else:
            stale.append(str(record["id"]))
    missing = [key for key in wanted if key not in by_hash]

    def upload(key: str) -> str:
        request = wanted[key].request()
        properties = {**(request["properties"] or {}), HASH_PROPERTY: key}
        created = client.create_record(dataset_id, {"messages": request["messages"]}, properties)
        return str(created["id"])

    pool = ThreadPoolExecutor(
        max_workers=max(1, parallelism), thread_name_prefix="judgesync-record"
    )
    try:
        by_hash.update(zip(missing, pool.map(upload, missing), strict=True))
        list(pool.map(client.delete_record, stale))
    finally:
        # On an interrupt, what has not started is not sent.
        pool.shutdown(wait=True, cancel_futures=True)
    return ReviewRecords(dataset_id, by_hash, uploaded=len(missing), trimmed=len(stale))


def judge_inline(
    client: ReviewDatasetApi,
    definition: JudgeDefinition,
    items: Sequence[Item],
    record_of: Callable[[Item], str],
    *,
    repeat: int = 1,
    parallelism: int = 8,
    progress: Progress = SILENT,
) -> Verdicts:
    """Judge each item's record (`record_of`) `repeat` times with `definition` inline:
    no judge is saved. Cases and sampled spans alike."""
    return judge_each(
        lambda item: client.judge_record(record_of(item), definition),
        items,
        repeat=repeat,
        parallelism=parallelism,
        progress=progress,
    )


def _dataset_id(client: ReviewDatasetApi) -> str:
    for dataset in client.list_datasets(q=REVIEW_DATASET):
        if dataset.get("name") == REVIEW_DATASET and dataset.get("deleted_at") is None:
            return str(dataset["id"])
    return str(client.create_dataset(REVIEW_DATASET, _DESCRIPTION)["id"])


def _no_datasets(error: ApiError) -> bool:
    return error.status in (404, 405) or error.error_code == "FEATURE_NOT_SUPPORTED"
