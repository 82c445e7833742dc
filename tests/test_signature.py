"""The plan signature (plan/signature.py): any change to any field breaks it, and
only the key it was made with checks it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judgesync.errors import PlanError
from judgesync.plan import signature

PATH = Path("plan.json")
scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=8,
)
documents = st.dictionaries(st.text(max_size=4), values, min_size=1, max_size=4)
keys = st.text(min_size=1, max_size=12)


@given(document=documents, key=keys)
def test_a_signed_document_checks_with_its_key(document: dict[str, Any], key: str) -> None:
    signature.check(signature.signed(document, key), key, PATH)


@given(document=documents, key=keys, other=keys)
def test_another_key_is_refused(document: dict[str, Any], key: str, other: str) -> None:
    if other == key:
        return
    with pytest.raises(PlanError, match="not signed with this target's API key"):
        signature.check(signature.signed(document, key), other, PATH)


@given(document=documents, key=keys, data=st.data())
def test_changing_any_field_is_found(document: dict[str, Any], key: str, data: st.DataObject):
    signed = signature.signed(document, key)
    field = data.draw(st.sampled_from(sorted(document)))
    replacement = data.draw(values.filter(lambda value: value != document[field]))
    with pytest.raises(PlanError, match="altered after plan wrote it"):
        signature.check({**signed, field: replacement}, key, PATH)


@given(document=documents, key=keys)
def test_an_added_field_is_found(document: dict[str, Any], key: str) -> None:
    signed = signature.signed(document, key)
    with pytest.raises(PlanError, match="altered"):
        signature.check({**signed, "added-field": 1}, key, PATH)


def test_the_key_and_its_derived_keys_are_nowhere_in_the_document() -> None:
    key = "sk-secret-key-0123456789"
    signed = signature.signed({"a": 1}, key)
    text = repr(signed)
    assert key not in text
    for info in (signature._SIGNING, signature._FINGERPRINT):
        assert signature._derive(key, info).hex() not in text


def test_fingerprints_of_two_plans_with_one_key_differ() -> None:
    first, second = signature.signed({}, "key"), signature.signed({}, "key")
    assert first["key_fingerprint"] != second["key_fingerprint"]
