"""How counts are worded: one rule for plurals."""

from __future__ import annotations

import pytest

from judgesync.words import counted


@pytest.mark.parametrize(
    ("count", "singular", "plural", "expected"),
    [
        (0, "judge", None, "0 judges"),
        (1, "judge", None, "1 judge"),
        (2, "deletion", None, "2 deletions"),
        (1, "retry", "retries", "1 retry"),
        (3, "retry", "retries", "3 retries"),
    ],
)
def test_a_count_takes_the_singular_only_for_one(count, singular, plural, expected):
    assert counted(count, singular, plural) == expected
