"""What a judge change does to sampled production traffic (`plan --replay --traffic`).

For every judge the plan updates that has a selector, its sample of spans
(review/traffic.py) is judged inline on the review dataset's records: the
proposed definition once, the current one `repeat` times. The result states the
verdict distribution before and after (label shares, or a score's mean and
quantiles), the transition matrix, the share of traffic whose verdict changes,
and the flips' significance against the current version's own noise
(`flips_significance`; inconclusive without a second run). Only ids, verdicts
and counts are kept, unless the user asked to see the conversations.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from judgesync.plan.planner import Action
from judgesync.progress import Progress
from judgesync.review.live_judging import Verdicts
from judgesync.review.metrics import VersionComparison, compare_versions
from judgesync.review.review_dataset import ReviewDatasetApi, judge_inline
from judgesync.review.significance import FlipsSignificance, flips_significance
from judgesync.review.traffic import (
    TrafficApi,
    TrafficImportError,
    TrafficRequest,
    TrafficSample,
    TrafficSelector,
    Window,
    judgements,
    sample_spans,
    span_records,
)


@dataclass(frozen=True)
class Distribution:
    """One version's verdicts on the sample: label shares, or a score's summary."""

    count: int
    shares: Mapping[str, float]  # label -> share (classification)
    mean: float | None = None  # regression: the mean and the 10/50/90 % quantiles
    quantiles: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class JudgeTraffic:
    """One updated judge on its sample; `problem` says why nothing was judged."""

    name: str
    sample: TrafficSample
    window: Window
    seed: int
    imported: int = 0
    skipped_on_import: tuple[str, ...] = ()
    current: Verdicts | None = None
    proposed: Verdicts | None = None
    comparison: VersionComparison | None = None
    significance: FlipsSignificance | None = None
    before: Distribution | None = None
    after: Distribution | None = None
    problem: str | None = None
    show_conversations: bool = False
    errors: Mapping[str, str] = field(default_factory=dict)

    @property
    def span_ids(self) -> tuple[str, ...]:
        """The judged spans: the sample less what the import skipped."""
        return tuple(k for k in self.sample.keys if k not in self.skipped_on_import)

    @property
    def skipped(self) -> int:
        """Spans passed over as no conversation: in the search, and by the import."""
        return len(self.sample.skipped) + len(self.skipped_on_import)

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.errors


@dataclass(frozen=True)
class PreparedTraffic:
    """The samples and their records, before any judging request."""

    actions: tuple[Action, ...]
    samples: Mapping[str, TrafficSample]
    records: Mapping[str, str]  # record id by span key
    imported: int
    skipped_on_import: tuple[str, ...]
    problem: str | None

    def judgements(self, repeat: int) -> int:
        """The judging requests this traffic will send (for the progress and a budget)."""
        if self.problem is not None:
            return 0
        return sum(
            judgements(len([k for k in s.keys if k in self.records]), repeat)
            for s in self.samples.values()
        )


def prepare_traffic(
    client: TrafficApi,
    dataset_id: str | None,
    updates: Sequence[Action],
    request: TrafficRequest,
) -> PreparedTraffic:
    """Sample each updated judge's spans and make sure they are records of the review
    dataset (`dataset_id`; None: the API has no datasets)."""
    chosen = tuple(a for a in updates if request.selector_for(a.name) is not None)
    # `--traffic EXPR` is one selector for every updated judge: search its window once.
    by_selector: dict[TrafficSelector, TrafficSample] = {}
    samples = {}
    for action in chosen:
        selector = request.selector_for(action.name)
        assert selector is not None
        if selector not in by_selector:
            by_selector[selector] = sample_spans(
                client, selector, request.window, request.seed, request.show_conversations
            )
        samples[action.name] = by_selector[selector]
    if not chosen:
        return PreparedTraffic((), {}, {}, 0, (), None)
    if dataset_id is None:
        problem = "the API has no datasets, and traffic is replayed only through them"
        return PreparedTraffic(chosen, samples, {}, 0, (), problem)
    keys = [key for sample in samples.values() for key in sample.keys]
    try:
        records = span_records(client, dataset_id, keys, request.import_timeout)
    except TrafficImportError as error:
        return PreparedTraffic(chosen, samples, {}, 0, (), str(error))
    return PreparedTraffic(chosen, samples, records.by_key, records.imported, records.skipped, None)


@dataclass(frozen=True)
class _Span:
    id: str  # the span key, as Verdicts are keyed
    record_id: str


def _record_of(span: _Span) -> str:
    return span.record_id


def judge_traffic(
    client: ReviewDatasetApi,
    prepared: PreparedTraffic,
    request: TrafficRequest,
    repeat: int,
    parallelism: int,
    progress: Progress,
) -> tuple[JudgeTraffic, ...]:
    results = []
    for action in prepared.actions:
        sample = prepared.samples[action.name]
        base: dict[str, Any] = {
            "name": action.name,
            "sample": sample,
            "window": request.window,
            "seed": request.seed,
            "show_conversations": request.show_conversations,
        }
        if prepared.problem is not None or action.remote is None or action.desired is None:
            results.append(JudgeTraffic(**base, problem=prepared.problem))
            continue
        skipped = tuple(k for k in sample.keys if k in prepared.skipped_on_import)
        spans = [_Span(k, prepared.records[k]) for k in sample.keys if k in prepared.records]
        proposed = judge_inline(
            client,
            action.desired,
            spans,
            _record_of,
            parallelism=parallelism,
            progress=progress,
        )
        current = judge_inline(
            client,
            action.remote.definition,
            spans,
            _record_of,
            repeat=repeat,
            parallelism=parallelism,
            progress=progress,
        )
        results.append(
            JudgeTraffic(
                **base,
                imported=prepared.imported,
                skipped_on_import=skipped,
                current=current,
                proposed=proposed,
                comparison=compare_versions(current.first(), proposed.first()),
                significance=flips_significance(current.answers, proposed.first()),
                before=distribution(list(current.first().values())),
                after=distribution(list(proposed.first().values())),
                errors={**current.errors, **proposed.errors},
            )
        )
    return tuple(results)


def distribution(verdicts: Sequence[str | float]) -> Distribution:
    """Label shares when any verdict is a label; else the scores' mean and quantiles."""
    count = len(verdicts)
    if not count:
        return Distribution(0, {})
    if any(isinstance(v, str) for v in verdicts):
        counts = Counter(str(v) for v in verdicts)
        return Distribution(count, {label: n / count for label, n in sorted(counts.items())})
    scores = sorted(float(v) for v in verdicts)
    if count == 1:
        quantiles = (scores[0],) * 3
    else:
        deciles = statistics.quantiles(scores, n=10, method="inclusive")
        quantiles = (deciles[0], deciles[4], deciles[8])
    return Distribution(count, {}, statistics.fmean(scores), quantiles)


def traffic_record(traffic: Sequence[JudgeTraffic]) -> dict[str, Any]:
    """What a saved plan keeps of the traffic replay, to replay it again: the window
    (absolute), the seed, and per judge its selector and span ids; no text."""
    first = traffic[0]
    return {
        "window": {"from": first.window.start.isoformat(), "to": first.window.end.isoformat()},
        "seed": first.seed,
        "judges": [
            {
                "name": result.name,
                "filter": result.sample.selector.expression,
                "sample": result.sample.selector.sample,
                "source": result.sample.selector.source,
                "span_ids": list(result.span_ids),
                "changed": len(result.comparison.flips) if result.comparison else None,
            }
            for result in traffic
        ],
    }
