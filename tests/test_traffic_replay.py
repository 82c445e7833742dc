"""`plan --replay --traffic` through the real CLI, against the emulator as a real server
fed by an application instrumented with the OpenTelemetry SDK (tests/genai_app.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.genai_app import chat_attributes, chat_turn, exporter, service

CANARY = "CANARY-7f3e-private-conversation"


def export(url: str, api_key: str, service_name: str, count: int, **extra: Any) -> None:
    with service(service_name, exporter(url, api_key)) as tracer:
        for n in range(count):
            question = f"{service_name} question {n} {CANARY}"
            chat_turn(tracer, chat_attributes(question, f"answer {n} {CANARY}", **extra))


def spans_of(api_client, service_name: str) -> set[str]:
    answer = api_client.post(
        "/v1/observability/spans/search",
        params={"page_size": 100},
        json={"search_expression": f'{{ resource.service.name = "{service_name}" }}'},
    )
    assert answer.status_code == 200, answer.text
    return {f"{s['trace_id']}:{s['span_id']}" for s in answer.json()["spans"]["results"]}


@pytest.fixture
def traffic(emulator, api_key, applied_tone):
    export(emulator.url, api_key, "a", 30)
    export(emulator.url, api_key, "b", 20)
    return emulator


@pytest.fixture
def applied_tone(workdir, run):
    """The shipped judges applied; no cases, so only traffic decides the replay."""
    (workdir / "judges" / "tone.cases.yaml").unlink()
    result = run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    return workdir


def edit_tone(workdir) -> None:
    spec = workdir / "judges" / "tone.yaml"
    spec.write_text(spec.read_text().replace("no sarcasm, ", ""))


def replayed(run, *args: str) -> tuple[int, dict[str, Any], str]:
    result = run("plan", "--replay", "--format", "json", *args)
    assert result.stdout, result.stderr
    return result.exit_code, json.loads(result.stdout), result.stderr


SERVICE_A = '{ resource.service.name = "a" }'


def test_traffic_samples_only_the_selected_service_and_judges_both_versions(
    traffic, run, remote, api_client, workdir
):
    edit_tone(workdir)
    judges_before = len(remote.list_judges())
    code, document, _ = replayed(run, "--traffic", SERVICE_A, "--sample", "12", "--seed", "3")
    assert code == 0, json.dumps(document["replay"])
    (tone,) = [j for j in document["replay"]["judges"] if j["name"] == "tone"]
    sampled = tone["traffic"]
    assert sampled["sampled"] == 12 and sampled["matched"] == 30
    assert set(sampled["span_ids"]) <= spans_of(api_client, "a")
    assert sampled["flips"], "an instructions edit changes some emulated verdicts"
    assert sampled["changed_share"] == len(sampled["flips"]) / 12
    assert sum(t["count"] for t in sampled["transitions"]) == 12
    assert sampled["seed"] == 3 and sampled["selector"]["filter"] == SERVICE_A
    assert sampled["significance"]["verdict"] == "inconclusive"  # no --repeat
    assert len(remote.list_judges()) == judges_before


def test_an_unchanged_judge_gets_no_traffic(traffic, run, workdir):
    code, document, _ = replayed(run, "--traffic", SERVICE_A)
    assert code == 0
    assert all(judge.get("traffic") is None for judge in document["replay"]["judges"])


def test_a_second_run_imports_nothing_and_samples_the_same_spans(traffic, run, workdir):
    edit_tone(workdir)
    _, first, _ = replayed(run, "--traffic", SERVICE_A, "--sample", "10")
    _, second, _ = replayed(run, "--traffic", SERVICE_A, "--sample", "10")
    one = next(j for j in first["replay"]["judges"] if j["name"] == "tone")["traffic"]
    two = next(j for j in second["replay"]["judges"] if j["name"] == "tone")["traffic"]
    assert one["imported"] == 10 and two["imported"] == 0
    assert one["span_ids"] == two["span_ids"]
    assert one["flips"] == two["flips"]


def test_repeat_gives_the_traffic_a_significance_verdict(traffic, run, workdir):
    edit_tone(workdir)
    _, document, _ = replayed(run, "--traffic", SERVICE_A, "--repeat", "2")
    tone = next(j for j in document["replay"]["judges"] if j["name"] == "tone")["traffic"]
    assert tone["significance"]["verdict"] in ("significant", "within_noise", "inconclusive")
    assert tone["significance"]["noise_flips"] is not None


def test_spans_without_json_messages_are_skipped_and_counted(emulator, api_key, run, applied_tone):
    export(emulator.url, api_key, "a", 5)
    export(emulator.url, api_key, "a", 3, **{"gen_ai.input.messages": "not json"})
    edit_tone(applied_tone)
    _, document, _ = replayed(run, "--traffic", SERVICE_A)
    tone = next(j for j in document["replay"]["judges"] if j["name"] == "tone")["traffic"]
    assert tone["matched"] == 8 and tone["sampled"] == 5 and tone["skipped"] == 3


@pytest.mark.parametrize("output_format", ["text", "markdown", "github", "json"])
def test_no_conversation_text_without_the_flag(traffic, run, workdir, output_format):
    edit_tone(workdir)
    result = run("plan", "--replay", "--traffic", SERVICE_A, "--format", output_format)
    assert result.exit_code == 0, result.output
    assert "tone" in result.stdout and ":" in result.stdout
    assert CANARY not in result.stdout and CANARY not in result.stderr


def test_show_conversations_shows_the_flipped_text(traffic, run, workdir):
    edit_tone(workdir)
    result = run("plan", "--replay", "--traffic", SERVICE_A, "--show-conversations")
    assert result.exit_code == 0, result.output
    assert CANARY in result.stdout


def test_a_failed_import_is_reported_by_name(traffic, run, workdir):
    edit_tone(workdir)
    traffic.configure(import_fail=True)
    result = run("plan", "--replay", "--traffic", SERVICE_A)
    assert result.exit_code == 1
    assert "The import of 30 span(s) into the review dataset (task " in result.stdout
    assert "ended FAILED" in result.stdout


def test_a_stalled_import_is_not_waited_on_forever(traffic, run, workdir, monkeypatch):
    edit_tone(workdir)
    traffic.configure(import_delay_seconds=30)
    monkeypatch.setenv("JUDGESYNC_IMPORT_TIMEOUT_SECONDS", "0.5")
    result = run("plan", "--replay", "--traffic", SERVICE_A)
    assert result.exit_code == 1
    assert "is still RUNNING after 0.5 s; it was not waited on further" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--traffic", SERVICE_A], "The traffic options apply to --replay only; add --replay."),
        (["--replay", "--seed", "3"], "--seed applies to traffic replay only"),
        (
            ["--replay", "--traffic", SERVICE_A, "--since", "1d", "--from", "2026-01-01"],
            "--since and --from/--to",
        ),
        (["--replay", "--traffic", SERVICE_A, "--since", "7 days"], "is not a duration"),
        (
            ["--replay", "--traffic", SERVICE_A, "--from", "2026-01-01"],
            "--from and --to go together",
        ),
        (["--replay", "--traffic", SERVICE_A, "--sample", "0"], "--sample must be 1 or more"),
    ],
)
def test_traffic_options_that_cannot_apply_are_errors(workdir, run, args, message):
    result = run("plan", *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_judgesync_yaml_selector_applies_without_flags(traffic, run, workdir):
    (workdir / "judgesync.yaml").write_text(
        f"traffic:\n  judges:\n    tone:\n      filter: '{SERVICE_A}'\n      sample: 7\n"
    )
    edit_tone(workdir)
    _, document, _ = replayed(run)
    tone = next(j for j in document["replay"]["judges"] if j["name"] == "tone")["traffic"]
    assert tone["sampled"] == 7
    assert tone["selector"]["source"] == "judgesync.yaml traffic.judges.tone"


def test_a_saved_plan_records_the_traffic_and_show_prints_it(traffic, run, workdir):
    edit_tone(workdir)
    result = run("plan", "--replay", "--traffic", SERVICE_A, "--sample", "4", "--out", "p.json")
    assert result.exit_code == 0, result.output
    saved = json.loads((workdir / "p.json").read_text())["traffic"]
    assert saved["seed"] == 0 and len(saved["judges"][0]["span_ids"]) == 4
    assert saved["window"]["from"] < saved["window"]["to"]
    shown = run("show", "p.json")
    assert saved["judges"][0]["span_ids"][0] in shown.stdout
    for output_format in ("markdown", "github"):
        shown = run("show", "p.json", "--format", output_format)
        assert shown.exit_code == 0, shown.output
        assert "Traffic replayed" in shown.stdout
        assert all(span_id in shown.stdout for span_id in saved["judges"][0]["span_ids"])
    as_json = run("show", "p.json", "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["traffic"] == saved


def test_sampled_traffic_counts_against_the_budget_before_anything_is_sent(
    traffic, run, workdir, api_client
):
    edit_tone(workdir)
    (workdir / "judgesync.yaml").write_text("review:\n  max_judgements: 20\n")
    over = run("plan", "--replay", "--traffic", SERVICE_A, "--sample", "12")
    assert over.exit_code == 1, over.output
    assert "This run would send 24 judging requests, 4 over review.max_judgements (20)" in (
        over.stderr
    )
    datasets = api_client.get("/v1/observability/datasets")
    assert datasets.status_code == 200, datasets.text
    assert datasets.json()["datasets"]["results"] == [], "nothing imported, no review dataset"
    within = run("plan", "--replay", "--traffic", SERVICE_A, "--sample", "10")
    assert within.exit_code == 0, within.output
    assert "Cost: at most 20 judging request(s) (tone traffic: at most 20)" in within.stderr
