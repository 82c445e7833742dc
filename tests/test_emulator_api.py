"""The six judge endpoints over real HTTP: happy paths, error bodies, auth and isolation."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from judgesync.emulator import Emulator, EmulatorServer

JUDGES = "/v1/observability/judges"


def error_code(response: httpx.Response) -> str | None:
    detail = response.json()["detail"]
    assert set(detail) == {"message", "error_code"}
    return detail["error_code"]


def test_create_answers_201_with_the_judge_as_sent(api_client, judge_definition, revisions):
    body = judge_definition(instructions="{{ user_message }}  \n\n", tools=["web_search", "code"])
    response = api_client.post(JUDGES, json=body)
    assert response.status_code == 201
    judge = response.json()
    assert {k: judge[k] for k in body} == body
    assert judge["deleted_at"] is None
    assert judge["up_revision"] is None and judge["down_revision"] is None
    # new-id: a fresh judge is the base of its own chain; in-place has no chains.
    assert judge["base_revision"] == (judge["id"] if revisions == "new-id" else None)
    assert judge["created_at"] == judge["updated_at"]
    assert judge["created_at"].endswith("Z") and len(judge["created_at"]) == 27
    uuid.UUID(judge["id"])


def test_regression_bounds_are_stored_as_floats(api_client, judge_definition):
    output = {
        "type": "REGRESSION",
        "min": 1,
        "min_description": "bad",
        "max": 5,
        "max_description": "good",
    }
    judge = api_client.post(JUDGES, json=judge_definition(output=output)).json()
    assert judge["output"] == {**output, "min": 1.0, "max": 5.0}
    assert isinstance(judge["output"]["min"], float)


def test_get_answers_the_created_judge(api_client, judge_definition):
    created = api_client.post(JUDGES, json=judge_definition()).json()
    response = api_client.get(f"{JUDGES}/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_get_accepts_an_upper_case_judge_id(api_client, judge_definition):
    created = api_client.post(JUDGES, json=judge_definition()).json()
    assert api_client.get(f"{JUDGES}/{created['id'].upper()}").json()["id"] == created["id"]


def test_list_answers_every_judge_with_count_and_links(api_client, judge_definition):
    for name in ("a", "b", "c"):
        api_client.post(JUDGES, json=judge_definition(name))
    page = api_client.get(JUDGES).json()["judges"]
    assert page["count"] == 3
    assert [j["name"] for j in page["results"]] == ["a", "b", "c"]
    assert page["next"] is None and page["previous"] is None


def test_list_pages_link_to_each_other_with_absolute_urls(api_client, judge_definition):
    for index in range(5):
        api_client.post(JUDGES, json=judge_definition(f"judge-{index}"))
    first = api_client.get(JUDGES, params={"page": 1, "page_size": 2}).json()["judges"]
    assert first["next"].startswith("http://")
    second = httpx.get(first["next"], headers=api_client.headers).json()["judges"]
    third = httpx.get(second["next"], headers=api_client.headers).json()["judges"]
    names = [j["name"] for page in (first, second, third) for j in page["results"]]
    assert names == [f"judge-{index}" for index in range(5)]
    assert third["next"] is None
    assert httpx.get(second["previous"], headers=api_client.headers).json()["judges"] == first


def test_list_filters_by_text_type_and_model(api_client, judge_definition):
    regression = {
        "type": "REGRESSION",
        "min": 0.0,
        "min_description": "no",
        "max": 1.0,
        "max_description": "yes",
    }
    api_client.post(JUDGES, json=judge_definition("Tone", description="Polite?"))
    api_client.post(JUDGES, json=judge_definition("facts", output=regression))
    api_client.post(JUDGES, json=judge_definition("style", model_name="mistral-medium-latest"))

    def names(params):
        return [
            j["name"] for j in api_client.get(JUDGES, params=params).json()["judges"]["results"]
        ]

    assert names({"q": "tONE"}) == ["Tone"]
    assert names({"q": "POLITE"}) == ["Tone"]
    assert names({"type_filter": "REGRESSION"}) == ["facts"]
    assert names([("type_filter", "REGRESSION"), ("type_filter", "CLASSIFICATION")]) == [
        "Tone",
        "facts",
        "style",
    ]
    assert names({"model_filter": "mistral-medium-latest"}) == ["style"]


def test_list_refuses_an_unknown_type_filter(api_client):
    response = api_client.get(JUDGES, params={"type_filter": "RANKING"})
    assert response.status_code == 422
    assert error_code(response) == "VALIDATION_ERROR"


@pytest.mark.parametrize("params", [{"page": 0}, {"page_size": 0}, {"page": "two"}])
def test_list_refuses_pages_below_one_or_not_numbers(api_client, params):
    response = api_client.get(JUDGES, params=params)
    assert response.status_code == 422
    assert error_code(response) == "VALIDATION_ERROR"


def test_update_answers_204_without_a_body(api_client, judge_definition):
    created = api_client.post(JUDGES, json=judge_definition()).json()
    response = api_client.put(f"{JUDGES}/{created['id']}", json=judge_definition(description="x"))
    assert response.status_code == 204
    assert response.content == b""


def test_delete_answers_204_and_then_the_judge_is_gone(api_client, judge_definition):
    created = api_client.post(JUDGES, json=judge_definition()).json()
    response = api_client.delete(f"{JUDGES}/{created['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert api_client.get(JUDGES).json()["judges"]["count"] == 0
    for method in ("GET", "DELETE"):
        gone = api_client.request(method, f"{JUDGES}/{created['id']}")
        assert gone.status_code == 404
        assert error_code(gone) == "JUDGE_NOT_FOUND"
    put = api_client.put(f"{JUDGES}/{created['id']}", json=judge_definition(description="x"))
    assert error_code(put) == "JUDGE_NOT_FOUND"


def test_a_deleted_judges_name_is_free_again(api_client, judge_definition):
    created = api_client.post(JUDGES, json=judge_definition("reused")).json()
    api_client.delete(f"{JUDGES}/{created['id']}")
    assert api_client.post(JUDGES, json=judge_definition("reused")).status_code == 201


def test_creating_a_taken_name_answers_409(api_client, judge_definition):
    api_client.post(JUDGES, json=judge_definition("same"))
    response = api_client.post(JUDGES, json=judge_definition("same"))
    assert response.status_code == 409
    assert error_code(response) == "JUDGE_NAME_ALREADY_EXISTS"


def test_renaming_onto_a_taken_name_answers_409(api_client, judge_definition):
    api_client.post(JUDGES, json=judge_definition("first"))
    second = api_client.post(JUDGES, json=judge_definition("second")).json()
    response = api_client.put(f"{JUDGES}/{second['id']}", json=judge_definition("first"))
    assert response.status_code == 409
    assert error_code(response) == "JUDGE_NAME_ALREADY_EXISTS"
    assert api_client.get(f"{JUDGES}/{second['id']}").json()["name"] == "second"


def test_an_unknown_judge_answers_404(api_client):
    response = api_client.get(f"{JUDGES}/{uuid.uuid4()}")
    assert response.status_code == 404
    assert error_code(response) == "JUDGE_NOT_FOUND"


def test_a_judge_id_that_is_not_a_uuid_answers_422(api_client):
    response = api_client.get(f"{JUDGES}/not-a-uuid")
    assert response.status_code == 422
    assert "judge_id" in response.json()["detail"]["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"description": 3}, "description"),
        ({"tools": "web_search"}, "tools"),
        ({"output": {"type": "RANKING", "options": []}}, "output"),
        ({"output": {"type": "CLASSIFICATION"}}, "output.CLASSIFICATION.options"),
        ({"output": {"type": "CLASSIFICATION", "options": []}}, "output.options"),
        ({"surprise": True}, "surprise"),
        ({"name": "  "}, "name"),
    ],
)
def test_invalid_bodies_answer_422_naming_the_field(api_client, judge_definition, change, field):
    response = api_client.post(JUDGES, json=judge_definition(**change))
    assert response.status_code == 422
    assert error_code(response) == "VALIDATION_ERROR"
    assert field in response.json()["detail"]["message"]


def test_a_missing_field_answers_422_naming_it(api_client, judge_definition):
    body = judge_definition()
    del body["model_name"]
    response = api_client.post(JUDGES, json=body)
    assert response.status_code == 422
    assert "model_name" in response.json()["detail"]["message"]


def test_duplicate_classification_values_answer_422(api_client, judge_definition):
    option = {"value": "yes", "description": "d"}
    body = judge_definition(output={"type": "CLASSIFICATION", "options": [option, option]})
    response = api_client.post(JUDGES, json=body)
    assert response.status_code == 422
    assert "duplicate" in response.json()["detail"]["message"]


@pytest.mark.parametrize(("low", "high"), [(5.0, 1.0), (2.0, 2.0)])
def test_a_regression_whose_min_is_not_below_max_answers_422(
    api_client, judge_definition, low, high
):
    output = {
        "type": "REGRESSION",
        "min": low,
        "min_description": "a",
        "max": high,
        "max_description": "b",
    }
    response = api_client.post(JUDGES, json=judge_definition(output=output))
    assert response.status_code == 422
    assert error_code(response) == "VALIDATION_ERROR"


def test_a_number_that_overflows_to_infinity_answers_422(api_client, judge_definition):
    output = {"type": "REGRESSION", "min": -1.5, "min_description": "a", "max_description": "b"}
    body = json.dumps(judge_definition(output=output)).replace("-1.5", "-1e999")
    response = api_client.post(JUDGES, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "1e999" in response.json()["detail"]["message"]


def test_instructions_that_are_not_jinja2_answer_400_template_syntax_error(
    api_client, judge_definition
):
    response = api_client.post(JUDGES, json=judge_definition(instructions="ok\n{{ broken "))
    assert response.status_code == 400
    assert error_code(response) == "TEMPLATE_SYNTAX_ERROR"
    assert "line 2" in response.json()["detail"]["message"]


def test_malformed_json_answers_422_with_the_error_body(api_client):
    response = api_client.post(
        JUDGES, content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert error_code(response) == "VALIDATION_ERROR"


def test_a_body_over_one_mebibyte_answers_413(api_client, judge_definition):
    response = api_client.post(JUDGES, json=judge_definition(instructions="x" * (1024 * 1024)))
    assert response.status_code == 413
    assert error_code(response) is None


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": ""}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"}],
)
def test_a_request_without_a_bearer_key_answers_401(emulator, headers):
    response = httpx.get(f"{emulator.url}{JUDGES}", headers=headers)
    assert response.status_code == 401
    assert error_code(response) == "AUTH_UNAUTHORIZED"


def test_unknown_paths_and_methods_still_answer_the_error_body(api_client):
    assert api_client.get("/v1/nothing").status_code == 404
    assert error_code(api_client.get("/v1/nothing")) is None
    response = api_client.patch(JUDGES)
    assert response.status_code == 405
    assert error_code(response) is None


def test_head_answers_like_get_without_a_body(api_client, judge_definition):
    judge_id = api_client.post(JUDGES, json=judge_definition()).json()["id"]
    for path in (JUDGES, f"{JUDGES}/{judge_id}"):
        response = api_client.head(path)
        assert response.status_code == 200
        assert response.content == b""
        assert response.headers["content-length"] == str(len(api_client.get(path).content))


def test_each_key_sees_only_its_own_workspace(emulator, api_client, judge_definition):
    mine = api_client.post(JUDGES, json=judge_definition("mine")).json()
    with httpx.Client(
        base_url=emulator.url, headers={"Authorization": "Bearer someone-else"}
    ) as other:
        assert other.get(JUDGES).json()["judges"]["count"] == 0
        assert error_code(other.get(f"{JUDGES}/{mine['id']}")) == "JUDGE_NOT_FOUND"
        assert error_code(other.delete(f"{JUDGES}/{mine['id']}")) == "JUDGE_NOT_FOUND"
        theirs = other.post(JUDGES, json=judge_definition("mine"))
        assert theirs.status_code == 201
        assert theirs.json()["workspace_id"] != mine["workspace_id"]
    assert api_client.get(JUDGES).json()["judges"]["count"] == 1


def test_the_workspace_id_is_not_the_key(api_client, api_key, judge_definition):
    judge = api_client.post(JUDGES, json=judge_definition()).json()
    assert api_key not in judge["workspace_id"] and api_key not in judge["owner_id"]


def test_listed_api_keys_are_the_only_ones_accepted():
    with EmulatorServer(Emulator(accepted_keys=["good-key"])) as server:
        good = httpx.get(f"{server.url}{JUDGES}", headers={"Authorization": "Bearer good-key"})
        bad = httpx.get(f"{server.url}{JUDGES}", headers={"Authorization": "Bearer bad-key"})
    assert good.status_code == 200
    assert bad.status_code == 401
    assert error_code(bad) == "AUTH_UNAUTHORIZED"
    assert "bad-key" not in bad.text
