"""What the emulator's storage refuses, as exceptions that know nothing of HTTP.

    StorageError
    ├── JudgeNotFound        no live judge with this id in the workspace
    ├── Superseded           the id is an older revision of a judge
    ├── Unchanged            an update that changes nothing
    ├── LockedByCampaign     an update of a judge a campaign uses
    ├── NameTaken            a live judge already has the name (under the
    │                        uniqueness reading), or two would after a change
    │                        of reading
    ├── DatasetNotFound      no live dataset with this id or slug in the workspace
    └── RecordNotFound       no live record with (one of) these ids in the workspace

`refusals.refusal_for` is the one place that turns each into the API's answer.
"""

from __future__ import annotations

from judgesync.emulator.settings import NameUniqueness


class StorageError(Exception):
    """A write or read the store refuses; see the tree in the module docstring."""


class JudgeNotFound(StorageError):
    def __init__(self, judge_id: str) -> None:
        super().__init__(judge_id)
        self.judge_id = judge_id


class Superseded(StorageError):
    def __init__(self, judge_id: str, newer_id: str) -> None:
        super().__init__(judge_id, newer_id)
        self.judge_id = judge_id
        self.newer_id = newer_id


class Unchanged(StorageError):
    def __init__(self, judge_id: str) -> None:
        super().__init__(judge_id)
        self.judge_id = judge_id


class LockedByCampaign(StorageError):
    def __init__(self, judge_id: str) -> None:
        super().__init__(judge_id)
        self.judge_id = judge_id


class NameTaken(StorageError):
    """`name` is the name asked for; None when switching the uniqueness reading
    would make the names of two live judges collide."""

    def __init__(self, name: str | None, uniqueness: NameUniqueness) -> None:
        super().__init__(name, uniqueness)
        self.name = name
        self.uniqueness = uniqueness


class DatasetNotFound(StorageError):
    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


class RecordNotFound(StorageError):
    """`record_ids`: the ids asked for that no live record of the workspace has."""

    def __init__(self, record_ids: tuple[str, ...]) -> None:
        super().__init__(record_ids)
        self.record_ids = record_ids
