"""`plan --replay` through the review dataset, through the real CLI against the emulator.

Both versions of a changed judge are judged inline on judgesync's own dataset:
no judge is created, the records are reused by the next run, and the records of
cases that went away are trimmed. Without datasets, replay falls back to shadows.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from judgesync.review.review_dataset import HASH_PROPERTY, REVIEW_DATASET, case_hash
from judgesync.specs.case import Case
from tests.processes import hermetic_env, start_cli

pytestmark = pytest.mark.usefixtures("revisions")


def write_cases(workdir: Path, count: int) -> None:
    cases = [
        {
            "id": f"case-{n}",
            "messages": [
                {"role": "user", "content": f"Question {n}?"},
                {"role": "assistant", "content": f"Answer {n}."},
            ],
            "properties": {"locale": "en"},
            "expect": "on_brand",
        }
        for n in range(count)
    ]
    text = yaml.safe_dump({"judge": "tone", "cases": cases})
    (workdir / "judges" / "tone.cases.yaml").write_text(text)


def replayed(run, *args: str) -> dict[str, Any]:
    result = run("plan", "--replay", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    document: dict[str, Any] = json.loads(result.stdout)["replay"]
    return document


def review_records(remote) -> list[dict[str, Any]]:
    (dataset,) = [d for d in remote.list_datasets() if d["name"] == REVIEW_DATASET]
    return remote.list_records(dataset["id"])


def test_replay_judges_inline_and_creates_no_judge_while_it_runs(edited, run, remote, emulator):
    write_cases(edited, 6)
    before = {judge.id for judge in remote.list_judges()}
    emulator.configure(latency_ms=20)
    seen: set[str] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.update(judge.id for judge in remote.list_judges())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        document = replayed(run, "--repeat", "2")
    finally:
        stop.set()
        watcher.join()
    assert document["path"] == "dataset"
    (tone,) = document["judges"]
    assert tone["cases"] == 6 and not tone["errors"]
    assert seen == before
    assert {judge.id for judge in remote.list_judges()} == before


def test_a_second_replay_of_the_same_cases_uploads_no_record(edited, run, remote):
    write_cases(edited, 5)
    replayed(run)
    first = {record["id"] for record in review_records(remote)}
    replayed(run)
    assert len(first) == 5
    assert {record["id"] for record in review_records(remote)} == first


def test_records_of_removed_cases_are_trimmed_and_foreign_records_kept(edited, run, remote):
    write_cases(edited, 5)
    replayed(run)
    (dataset,) = [d for d in remote.list_datasets() if d["name"] == REVIEW_DATASET]
    foreign = remote.create_record(
        dataset["id"], {"messages": [{"role": "user", "content": "hi"}]}, {"mine": "yes"}
    )
    kept = {r["id"] for r in review_records(remote) if r["properties"].get(HASH_PROPERTY)}
    write_cases(edited, 2)
    replayed(run)
    records = review_records(remote)
    ours = {r["id"] for r in records if r["properties"].get(HASH_PROPERTY)}
    assert len(ours) == 2 and ours <= kept
    assert foreign["id"] in {r["id"] for r in records}


def test_without_datasets_replay_falls_back_to_shadow_judges(edited, run, remote, emulator):
    write_cases(edited, 3)
    emulator.configure(datasets=False)
    document = replayed(run)
    assert document["path"] == "shadow"
    (tone,) = document["judges"]
    assert tone["cases"] == 3 and not tone["errors"]


def test_the_text_replay_says_which_path_ran(edited, run, emulator):
    write_cases(edited, 2)
    assert "Judged inline on the review dataset (no judge was created)." in (
        run("plan", "--replay").output
    )
    emulator.configure(datasets=False)
    assert "Judged with shadow judges (the API has no datasets)." in (
        run("plan", "--replay").output
    )


def test_ctrl_c_mid_replay_leaves_no_judge(edited, emulator, remote, api_key):
    write_cases(edited, 20)
    before = {judge.id for judge in remote.list_judges()}
    emulator.configure(latency_ms=100)
    command = ["plan", "--replay", "--parallelism", "1", "--api-url", emulator.url]
    process = start_cli(*command, cwd=edited, env=hermetic_env(MISTRAL_API_KEY=api_key))
    try:
        # Waiting for a state (every record uploaded, so judging has begun), not timing
        # anything: the 60 s bound only stops a hung test.
        deadline = time.monotonic() + 60
        while not any(d["name"] == REVIEW_DATASET for d in remote.list_datasets()) or (
            len(review_records(remote)) < 20
        ):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the replay never uploaded its records"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    emulator.configure(latency_ms=0)
    assert {judge.id for judge in remote.list_judges()} == before


def case(case_id: str, content: str, properties: dict[str, Any], expect: str) -> Case:
    messages = ({"role": "user", "content": content},)
    return Case("tone", case_id, messages, properties, expect, False, "tone.cases.yaml", 1)


def test_the_case_hash_keys_the_request_only():
    same = case("a", "hi", {"locale": "en"}, "rude"), case("b", "hi", {"locale": "en"}, "on_brand")
    assert case_hash(same[0]) == case_hash(same[1])
    assert case_hash(case("a", "hi", {"locale": "fr"}, "rude")) != case_hash(same[0])
    assert case_hash(case("a", "hello", {"locale": "en"}, "rude")) != case_hash(same[0])
