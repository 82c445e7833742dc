"""Updates in both revision modes, unchanged content, campaign locks, concurrent creates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

JUDGES = "/v1/observability/judges"


def code(response: httpx.Response) -> str | None:
    return response.json()["detail"]["error_code"]


@pytest.fixture
def new_id(emulator) -> None:
    emulator.configure(revisions="new-id")


def test_in_place_is_the_default_mode(emulator):
    # The one public test against the live API updates judge X and reads X back.
    assert emulator.settings.revisions == "in-place"


@pytest.mark.usefixtures("new_id")
def test_new_id_mode_makes_a_new_revision_and_lists_only_it(api_client, judge_definition):
    old = api_client.post(JUDGES, json=judge_definition()).json()
    api_client.put(f"{JUDGES}/{old['id']}", json=judge_definition(description="v2"))

    listed = api_client.get(JUDGES).json()["judges"]
    assert listed["count"] == 1
    new = listed["results"][0]
    assert new["id"] != old["id"]
    assert new["description"] == "v2"
    assert new["down_revision"] == old["id"]
    assert new["base_revision"] == old["id"]
    assert new["up_revision"] is None
    assert new["updated_at"] > old["updated_at"]

    superseded = api_client.get(f"{JUDGES}/{old['id']}").json()
    assert superseded["up_revision"] == new["id"]
    assert superseded["description"] == old["description"]


@pytest.mark.usefixtures("new_id")
def test_new_id_mode_keeps_the_base_revision_along_the_chain(api_client, judge_definition):
    first = api_client.post(JUDGES, json=judge_definition()).json()
    current = first["id"]
    for version in range(2, 5):
        api_client.put(f"{JUDGES}/{current}", json=judge_definition(description=f"v{version}"))
        current = api_client.get(JUDGES).json()["judges"]["results"][0]["id"]
    newest = api_client.get(f"{JUDGES}/{current}").json()
    assert newest["base_revision"] == first["id"]
    assert newest["description"] == "v4"


@pytest.mark.usefixtures("new_id")
def test_updating_a_superseded_revision_answers_409(api_client, judge_definition):
    old = api_client.post(JUDGES, json=judge_definition()).json()
    api_client.put(f"{JUDGES}/{old['id']}", json=judge_definition(description="v2"))
    response = api_client.put(f"{JUDGES}/{old['id']}", json=judge_definition(description="v3"))
    assert response.status_code == 409
    assert code(response) == "JUDGE_ALREADY_HAS_NEW_VERSION"


@pytest.mark.usefixtures("new_id")
def test_deleting_a_superseded_revision_answers_409(api_client, judge_definition):
    old = api_client.post(JUDGES, json=judge_definition()).json()
    api_client.put(f"{JUDGES}/{old['id']}", json=judge_definition(description="v2"))
    response = api_client.delete(f"{JUDGES}/{old['id']}")
    assert response.status_code == 409
    assert code(response) == "JUDGE_ALREADY_HAS_NEW_VERSION"


@pytest.mark.usefixtures("new_id")
def test_deleting_the_newest_revision_hides_the_whole_chain(api_client, judge_definition):
    old = api_client.post(JUDGES, json=judge_definition()).json()
    api_client.put(f"{JUDGES}/{old['id']}", json=judge_definition(description="v2"))
    new_id = api_client.get(JUDGES).json()["judges"]["results"][0]["id"]
    api_client.delete(f"{JUDGES}/{new_id}")
    assert code(api_client.get(f"{JUDGES}/{old['id']}")) == "JUDGE_NOT_FOUND"


def test_in_place_mode_keeps_the_id(emulator, api_client, judge_definition):
    emulator.configure(revisions="in-place")
    old = api_client.post(JUDGES, json=judge_definition()).json()
    response = api_client.put(f"{JUDGES}/{old['id']}", json=judge_definition(description="v2"))
    assert response.status_code == 204
    new = api_client.get(f"{JUDGES}/{old['id']}").json()
    assert new["description"] == "v2"
    assert new["created_at"] == old["created_at"]
    assert new["updated_at"] > old["updated_at"]
    assert (new["up_revision"], new["down_revision"], new["base_revision"]) == (None, None, None)
    assert api_client.get(JUDGES).json()["judges"]["count"] == 1


def test_in_place_rename_frees_the_old_name(emulator, api_client, judge_definition):
    emulator.configure(revisions="in-place")
    judge = api_client.post(JUDGES, json=judge_definition("old-name")).json()
    api_client.put(f"{JUDGES}/{judge['id']}", json=judge_definition("new-name"))
    assert api_client.post(JUDGES, json=judge_definition("old-name")).status_code == 201


def test_an_update_that_changes_nothing_answers_400_did_not_change(
    emulator, api_client, judge_definition
):
    for mode in ("new-id", "in-place"):
        emulator.reset()
        emulator.configure(revisions=mode)
        judge = api_client.post(JUDGES, json=judge_definition()).json()
        response = api_client.put(f"{JUDGES}/{judge['id']}", json=judge_definition())
        assert response.status_code == 400, mode
        assert code(response) == "JUDGE_DID_NOT_CHANGE"
        assert api_client.get(f"{JUDGES}/{judge['id']}").json() == judge


def test_an_update_differing_only_in_trailing_whitespace_is_a_change(api_client, judge_definition):
    body = judge_definition()
    judge = api_client.post(JUDGES, json=body).json()
    changed = {**body, "instructions": body["instructions"] + "\n"}
    assert api_client.put(f"{JUDGES}/{judge['id']}", json=changed).status_code == 204


def test_a_judge_locked_by_a_campaign_refuses_updates(emulator, api_client, judge_definition):
    judge = api_client.post(JUDGES, json=judge_definition()).json()
    emulator.lock_for_campaign(judge["id"])
    response = api_client.put(f"{JUDGES}/{judge['id']}", json=judge_definition(description="x"))
    assert response.status_code == 409
    assert code(response) == "JUDGE_USED_IN_CAMPAIGN_CANNOT_BE_UPDATED"


def test_the_campaign_admin_endpoint_locks_a_judge(emulator, api_client, judge_definition):
    judge = api_client.post(JUDGES, json=judge_definition()).json()
    locked = httpx.post(f"{emulator.url}/_emulator/judges/{judge['id']}/campaign")
    assert locked.status_code == 204
    response = api_client.put(f"{JUDGES}/{judge['id']}", json=judge_definition(description="x"))
    assert code(response) == "JUDGE_USED_IN_CAMPAIGN_CANNOT_BE_UPDATED"


def test_reset_forgets_judges_and_campaign_locks(emulator, api_client, judge_definition):
    judge = api_client.post(JUDGES, json=judge_definition()).json()
    emulator.lock_for_campaign(judge["id"])
    emulator.configure(revisions="new-id")
    assert httpx.post(f"{emulator.url}/_emulator/reset").status_code == 204
    assert emulator.settings.revisions == "in-place"
    assert emulator.settings.campaign_judge_ids == set()
    assert api_client.get(JUDGES).json()["judges"]["count"] == 0


def test_twenty_concurrent_creates_of_one_name_make_exactly_one_judge(
    emulator, api_key, judge_definition
):
    headers = {"Authorization": f"Bearer {api_key}"}

    def create(_: int) -> int:
        return httpx.post(
            f"{emulator.url}{JUDGES}", json=judge_definition("contested"), headers=headers
        ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(pool.map(create, range(20)))
    assert statuses == [201] + [409] * 19


def test_twenty_concurrent_creates_of_distinct_names_lose_no_write(
    emulator, api_key, judge_definition
):
    headers = {"Authorization": f"Bearer {api_key}"}

    def create(index: int) -> int:
        return httpx.post(
            f"{emulator.url}{JUDGES}", json=judge_definition(f"judge-{index}"), headers=headers
        ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        assert set(pool.map(create, range(20))) == {201}
    listed = httpx.get(f"{emulator.url}{JUDGES}", headers=headers).json()["judges"]
    assert listed["count"] == 20
