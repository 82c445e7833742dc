"""Random request bodies and query strings never make the emulator answer a 5xx."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

JUDGES = "/v1/observability/judges"

# The emulator is shared by all examples of a test; it is reset once per test.
FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=12,
)
finite = st.floats(allow_nan=False, allow_infinity=False)
options = st.lists(st.fixed_dictionaries({"value": text, "description": text}), max_size=4)
outputs = st.fixed_dictionaries(
    {"type": st.just("CLASSIFICATION"), "options": options}
) | st.fixed_dictionaries(
    {"type": st.just("REGRESSION"), "min_description": text, "max_description": text},
    optional={"min": finite | st.integers(), "max": finite | st.integers()},
)
templates = text | st.sampled_from(
    [
        "{{ user_message }}",
        "{% for m in conversation_history %}{{ m.role }}{% endfor %}",
        "{{ properties.x.y }}",
        "{{ 1 / 0 }}",
        "{{ ''.__class__ }}",
        "{% if %}",
    ]
)
plausible_bodies = st.fixed_dictionaries(
    {
        "name": text,
        "description": text,
        "model_name": text,
        "instructions": templates,
        "output": outputs,
        "tools": st.lists(text, max_size=3),
    }
)
FIELDS = ["name", "description", "model_name", "instructions", "output", "tools", "extra"]


@st.composite
def judge_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A plausible judge with up to two fields dropped or replaced by random JSON,
    so that the checks deep inside are reached as well as the shallow ones."""
    body = draw(plausible_bodies)
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=2, unique=True)):
        if draw(st.booleans()):
            body.pop(field, None)
        else:
            body[field] = draw(json_values)
    return body


messages = st.lists(
    st.fixed_dictionaries({}, optional={"role": text | json_values, "content": text | json_values})
    | json_values,
    max_size=4,
)
conversations = (
    st.fixed_dictionaries({}, optional={"messages": messages, "properties": json_values})
    | json_values
)
query_params = st.lists(
    st.tuples(
        st.sampled_from(["page", "page_size", "q", "type_filter", "model_filter", "other"]),
        text | st.integers().map(str),
    ),
    max_size=6,
)


def assert_no_server_error(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        detail = response.json()["detail"]
        assert isinstance(detail["message"], str)
        assert "error_code" in detail


@pytest.fixture
def judge_id(api_client, judge_definition) -> str:
    return api_client.post(JUDGES, json=judge_definition()).json()["id"]


@FUZZ
@given(body=judge_bodies())
def test_random_create_bodies_never_cause_a_server_error(api_client, body: dict[str, Any]):
    assert_no_server_error(api_client.post(JUDGES, json=body))


@FUZZ
@given(body=judge_bodies() | json_values)
def test_random_update_bodies_never_cause_a_server_error(api_client, judge_id, body: Any):
    assert_no_server_error(api_client.put(f"{JUDGES}/{judge_id}", json=body))


@FUZZ
@given(raw=st.binary(max_size=64))
def test_random_bytes_never_cause_a_server_error(api_client, judge_id, raw: bytes):
    assert_no_server_error(api_client.post(JUDGES, content=raw))
    assert_no_server_error(api_client.post(f"{JUDGES}/{judge_id}/live-judging", content=raw))


@FUZZ
@given(body=conversations, instructions=templates)
def test_random_conversations_never_cause_a_server_error(
    emulator, api_client, judge_definition, body: Any, instructions: str
):
    emulator.configure(revisions="in-place")
    created = api_client.post(
        JUDGES, json=judge_definition(f"j-{instructions}", instructions=instructions)
    )
    assert_no_server_error(created)
    if created.status_code == 201:
        url = f"{JUDGES}/{created.json()['id']}/live-judging"
        assert_no_server_error(api_client.post(url, json=body))


@FUZZ
@given(params=query_params)
def test_random_list_queries_never_cause_a_server_error(api_client, params):
    assert_no_server_error(api_client.get(JUDGES, params=params))


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "\\ud800"}',
        b"[" * 100_000,
        b'{"name": NaN}',
        b'{"output": {"type": "REGRESSION", "min": 1e999}}',
        b"1" * 5000,
    ],
)
def test_pathological_json_answers_422(api_client, raw: bytes):
    response = api_client.post(JUDGES, content=raw)
    assert response.status_code == 422
    assert response.json()["detail"]["error_code"] == "VALIDATION_ERROR"
