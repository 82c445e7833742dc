"""JudgesClient against the real emulator on a loopback port."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from judgesync.errors import ApiError, ApiUnreachable
from judgesync.remote.client import JUDGES_PATH, JudgesClient
from judgesync.remote.retry import RetryPolicy
from tests.builders import definition, regression
from tests.processes import hermetic_env, start_cli

# Fast retries: the emulator's faults are instant, so no test needs real waits.
QUICK_RETRIES = RetryPolicy(attempts=12, base_delay=0.001, max_delay=0.01, total_budget=20.0)


@pytest.fixture
def client(emulator, api_key) -> Iterator[JudgesClient]:
    with JudgesClient(emulator.url, api_key, retry=QUICK_RETRIES) as client:
        yield client


def create_many(client: JudgesClient, count: int) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: client.create_judge(definition(f"judge-{n:03d}")), range(count)))


def test_a_judge_survives_a_create_read_update_delete_round_trip(revisions, client):
    created = client.create_judge(definition("tone"))
    assert created.definition == definition("tone")
    assert client.get_judge(created.id) == created

    changed = definition("tone", description="Is the answer courteous?")
    client.update_judge(created.id, changed)
    [current] = client.list_judges()
    assert current.definition == changed
    assert (current.id == created.id) == (revisions == "in-place")

    client.delete_judge(current.id)
    assert client.get_judge(current.id) is None
    assert client.list_judges() == []


def test_regression_bounds_come_back_as_sent(client):
    created = client.create_judge(regression("helpfulness", low=1, high=5))

    assert created.definition == regression("helpfulness", low=1, high=5)


@pytest.mark.parametrize(
    ("pagination", "max_page_size", "page_size"),
    [("links", 100, 100), ("count-only", 100, 100), ("links", 30, 100), ("count-only", 100, 7)],
    ids=["with-next", "without-next", "clamped-page-size", "small-pages"],
)
def test_listing_250_judges_returns_each_exactly_once(
    emulator, api_key, pagination, max_page_size, page_size
):
    emulator.configure(pagination=pagination, max_page_size=max_page_size)
    with JudgesClient(emulator.url, api_key, page_size=page_size, list_concurrency=8) as client:
        create_many(client, 250)

        judges = client.list_judges()

    assert sorted(judge.name for judge in judges) == [f"judge-{n:03d}" for n in range(250)]
    assert len({judge.id for judge in judges}) == 250


def test_retries_carry_every_operation_through_injected_faults(emulator, api_key, caplog):
    caplog.set_level(logging.INFO, logger="judgesync")
    emulator.configure(fail_rate=0.3, seed=20250601, retry_after_seconds=0)
    with JudgesClient(emulator.url, api_key, retry=QUICK_RETRIES, page_size=5) as client:
        create_many(client, 30)
        judges = client.list_judges()
        for judge in judges[:10]:
            client.update_judge(judge.id, definition(judge.name, description="Updated."))
        for judge in judges[10:20]:
            client.delete_judge(judge.id)

        remaining = client.list_judges()

    decisions = [record.getMessage() for record in caplog.records]
    assert sum("retrying in" in text for text in decisions) > 5, "faults should force retries"
    assert any("answered 429" in text for text in decisions), "some injected faults are 429s"
    assert len(judges) == 30
    assert len(remaining) == 20
    assert sum(judge.description == "Updated." for judge in remaining) == 10


def test_deleted_judges_that_stay_visible_are_skipped(emulator, client, api_key):
    emulator.configure(deleted="visible")
    kept = client.create_judge(definition("kept"))
    gone = client.create_judge(definition("gone"))
    client.delete_judge(gone.id)

    authorization = {"Authorization": f"Bearer {api_key}"}
    raw = httpx.get(f"{emulator.url}{JUDGES_PATH}", headers=authorization).json()
    assert {judge["name"] for judge in raw["judges"]["results"]} == {"kept", "gone"}
    assert client.list_judges() == [kept]
    assert client.get_judge(gone.id) is None


def test_a_missing_judge_is_none(client):
    assert client.get_judge("00000000-0000-4000-8000-000000000000") is None


def test_a_duplicate_name_is_refused_with_its_error_code(client):
    client.create_judge(definition("tone"))

    with pytest.raises(ApiError) as caught:
        client.create_judge(definition("tone"))

    assert caught.value.status == 409
    assert caught.value.error_code == "JUDGE_NAME_ALREADY_EXISTS"


def test_live_judging_answers_one_of_the_judges_options(client):
    judge = client.create_judge(definition("tone"))
    conversation = [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Good morning, how can I help?"},
    ]

    verdict = client.live_judge(judge.id, {"messages": conversation, "properties": None})

    assert verdict["answer"] in {"polite", "rude"}
    assert isinstance(verdict["analysis"], str)


def test_a_request_without_a_key_is_refused_as_unauthenticated(emulator):
    client = JudgesClient(emulator.url, "", retry=QUICK_RETRIES)
    with client, pytest.raises(ApiError) as caught:
        client.list_judges()

    assert caught.value.status == 401
    assert "API key is missing or wrong" in str(caught.value)


def test_a_port_nobody_listens_on_is_unreachable_after_one_quick_retry_and_names_the_url():
    # A bound socket that never listens: connections to it are refused, and
    # holding it keeps any other process from taking the port meanwhile.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        policy = RetryPolicy(attempts=6, base_delay=0.001, refused_delay=0.001)
        client = JudgesClient(url, "sk-anything", retry=policy)
        with client, pytest.raises(ApiUnreachable) as caught:
            client.list_judges()

    assert str(caught.value).endswith(
        f"Nothing is listening at {url}: the connection was refused (2 attempts)."
        " Check --api-url and that the server is running on that port."
    )


def test_the_key_appears_in_no_log_record_even_at_debug_level(emulator, api_key, caplog):
    caplog.set_level(logging.DEBUG)  # httpx and httpcore included
    emulator.configure(fail_rate=0.5, seed=7, retry_after_seconds=0)
    with JudgesClient(emulator.url, api_key, retry=QUICK_RETRIES) as client:
        judge = client.create_judge(definition("tone"))
        client.list_judges()
        client.delete_judge(judge.id)

    texts = [record.getMessage() for record in caplog.records]
    assert any("retrying in" in text for text in texts), "the faults should have been logged"
    assert [text for text in texts if api_key in text] == []


@pytest.mark.parametrize(
    ("how", "source"),
    [
        ("flag", "--api-url"),
        ("env", "JUDGESYNC_API_URL"),
        ("config", "the api_url of target 'staging'"),
    ],
)
def test_the_cli_gives_up_on_a_refused_port_after_two_attempts_naming_the_url_source(
    tmp_path, how, source
):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        (tmp_path / ".git").mkdir()
        (tmp_path / "judges").mkdir()
        env = hermetic_env(MISTRAL_API_KEY="sk-anything")
        args = ["-v", "plan"]
        if how == "flag":
            args += ["--api-url", url]
        elif how == "env":
            env["JUDGESYNC_API_URL"] = url
        else:
            (tmp_path / "judgesync.yaml").write_text(
                f"targets:\n  staging:\n    api_url: {url}\n    api_key_env: MISTRAL_API_KEY\n"
                "default_target: staging\n"
            )
        process = start_cli(*args, cwd=tmp_path, env=env)
        _, stderr = process.communicate(timeout=60)

    assert process.returncode == 1, stderr
    assert stderr.count("failed (ConnectError: ") == 2  # one quick retry, then no more
    assert "giving up after 2 attempts" in stderr
    assert f"Nothing is listening at {url}: the connection was refused (2 attempts)." in stderr
    assert f"Check {source}" in stderr
