"""How a judge is found by its name: exactly, else by the loose key, never by a guess."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judgesync.names import find_by_name, name_key


@dataclass(frozen=True)
class Named:
    name: str
    id: int = 0


@pytest.mark.parametrize(
    ("names", "wanted", "found"),
    [
        (["tone", "Tone "], "tone", 0),  # the exact name wins over a loose match
        (["Tone "], "tone", 0),  # one loose match is the judge
        (["TONE", "Tone "], "tone", None),  # several loose matches: no guess
        (["tone", "tone"], "tone", None),  # several exact matches: no guess
        (["helpfulness"], "tone", None),
        ([], "tone", None),
    ],
)
def test_find_by_name(names, wanted, found):
    items = [Named(name, index) for index, name in enumerate(names)]
    expected = None if found is None else items[found]
    assert find_by_name(items, wanted) == expected


@given(st.lists(st.sampled_from(["a", "A", " a", "b", "B "]), max_size=5), st.sampled_from("aAbB"))
def test_what_is_found_shares_the_name_s_key_and_is_unique_among_its_kind(names, wanted):
    items = [Named(name, index) for index, name in enumerate(names)]
    found = find_by_name(items, wanted)
    exact = [item for item in items if item.name == wanted]
    loose = [item for item in items if name_key(item.name) == name_key(wanted)]
    if found is None:
        assert len(exact) > 1 or (not exact and len(loose) != 1)
    else:
        assert found in (exact or loose) and len(exact or loose) == 1
