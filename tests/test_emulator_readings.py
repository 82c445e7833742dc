"""The contract's open points, each selectable: names, deleted judges, pagination, page size."""

from __future__ import annotations

import httpx
import pytest

JUDGES = "/v1/observability/judges"


def code(response: httpx.Response) -> str | None:
    return response.json()["detail"]["error_code"]


@pytest.mark.parametrize("clash", ["Tone", "TONE", " tone ", "tone\t"])
def test_casefold_names_clash_ignoring_case_and_surrounding_spaces(
    emulator, api_client, judge_definition, clash
):
    emulator.configure(name_uniqueness="casefold")
    api_client.post(JUDGES, json=judge_definition("tone"))
    response = api_client.post(JUDGES, json=judge_definition(clash))
    assert response.status_code == 409
    assert code(response) == "JUDGE_NAME_ALREADY_EXISTS"


def test_exact_names_differing_in_case_coexist(api_client, judge_definition):
    api_client.post(JUDGES, json=judge_definition("tone"))
    assert api_client.post(JUDGES, json=judge_definition("Tone")).status_code == 201


def test_casefold_keeps_the_name_as_sent(emulator, api_client, judge_definition):
    emulator.configure(name_uniqueness="casefold")
    judge = api_client.post(JUDGES, json=judge_definition(" Tone ")).json()
    assert judge["name"] == " Tone "


def test_switching_to_casefold_over_clashing_names_is_refused(
    emulator, api_client, judge_definition
):
    api_client.post(JUDGES, json=judge_definition("tone"))
    api_client.post(JUDGES, json=judge_definition("Tone"))
    response = httpx.post(
        f"{emulator.url}/_emulator/settings", json={"name_uniqueness": "casefold"}
    )
    assert response.status_code == 409
    assert emulator.settings.name_uniqueness == "exact"


def test_visible_deleted_judges_are_listed_and_readable_with_deleted_at(
    emulator, api_client, judge_definition
):
    emulator.configure(deleted="visible")
    judge = api_client.post(JUDGES, json=judge_definition()).json()
    api_client.delete(f"{JUDGES}/{judge['id']}")

    listed = api_client.get(JUDGES).json()["judges"]
    assert listed["count"] == 1
    assert listed["results"][0]["deleted_at"] is not None
    fetched = api_client.get(f"{JUDGES}/{judge['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["deleted_at"] is not None


def test_visible_deleted_judges_still_refuse_changes(emulator, api_client, judge_definition):
    emulator.configure(deleted="visible")
    judge = api_client.post(JUDGES, json=judge_definition()).json()
    api_client.delete(f"{JUDGES}/{judge['id']}")
    put = api_client.put(f"{JUDGES}/{judge['id']}", json=judge_definition(description="x"))
    assert (put.status_code, code(put)) == (404, "JUDGE_NOT_FOUND")
    delete = api_client.delete(f"{JUDGES}/{judge['id']}")
    assert (delete.status_code, code(delete)) == (404, "JUDGE_NOT_FOUND")
    assert api_client.post(JUDGES, json=judge_definition()).status_code == 201


def test_count_only_pagination_omits_the_links(emulator, api_client, judge_definition):
    emulator.configure(pagination="count-only")
    for index in range(3):
        api_client.post(JUDGES, json=judge_definition(f"j{index}"))
    page = api_client.get(JUDGES, params={"page_size": 2}).json()["judges"]
    assert set(page) == {"count", "results"}
    assert page["count"] == 3
    assert len(page["results"]) == 2


def test_a_page_size_above_the_maximum_is_clamped(emulator, api_client, judge_definition):
    emulator.configure(max_page_size=2)
    for index in range(5):
        api_client.post(JUDGES, json=judge_definition(f"j{index}"))
    page = api_client.get(JUDGES, params={"page_size": 50}).json()["judges"]
    assert page["count"] == 5
    assert len(page["results"]) == 2
    assert "page_size=2" in page["next"]


def test_the_default_maximum_page_size_is_one_hundred(emulator, api_client):
    assert emulator.settings.max_page_size == 100


def test_settings_can_be_read_and_changed_over_http(emulator):
    changed = httpx.post(
        f"{emulator.url}/_emulator/settings", json={"revisions": "new-id", "max_page_size": 7}
    )
    assert changed.status_code == 200
    assert changed.json()["revisions"] == "new-id"
    assert httpx.get(f"{emulator.url}/_emulator/settings").json()["max_page_size"] == 7
    assert emulator.settings.revisions == "new-id"


@pytest.mark.parametrize(
    "change", [{"revisions": "sometimes"}, {"fail_rate": 2}, {"no_such_setting": 1}, [1]]
)
def test_invalid_settings_are_refused_with_422_and_nothing_changes(emulator, change):
    response = httpx.post(f"{emulator.url}/_emulator/settings", json=change)
    assert response.status_code == 422
    assert code(response) == "VALIDATION_ERROR"
    assert emulator.settings.revisions == "in-place"
    assert emulator.settings.fail_rate == 0
