"""Test cases of judges: `*.cases.yaml` files, read and checked against their judge.

A cases file names one judge and lists conversations with the verdict the
judge should give (the format is documented in docs/review.md):

    judge: tone
    cases:
      - id: polite-refund
        messages:
          - {role: user, content: "Where is my refund?"}
          - {role: assistant, content: "Sorry for the wait: it left today."}
        properties: {locale: en}
        expect: on_brand            # an option; for a regression judge a number or {min, max}
        must_pass: true

`load_cases` reads every such file under a directory, checks each as
carefully as the spec loader checks specs, and returns the cases of the files
that passed, by judge name, with every problem found. It never raises for bad
input: the caller decides what problems mean.
"""

from __future__ import annotations

import datetime
import math
import os
from collections.abc import Hashable, Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from judgesync.errors import Problem, SpecError
from judgesync.models import ClassificationOutput, JudgeDefinition, RegressionOutput
from judgesync.specs import templates, yamlio
from judgesync.specs.case import Case, Expectation, ScoreRange, is_number
from judgesync.specs.loader import CASES_SUFFIXES
from judgesync.specs.problems import line_of
from judgesync.specs.specfile import describe, did_you_mean, dotted
from judgesync.specs.textfile import read_text, shown_path

FILE_KEYS = frozenset({"judge", "cases"})
CASE_KEYS = frozenset({"id", "messages", "properties", "expect", "must_pass"})
# role and content are required; the others are the chat-completion keys of tool use.
MESSAGE_KEYS = frozenset({"role", "content", "name", "tool_calls", "tool_call_id"})
ROLES = ("system", "user", "assistant", "tool")
RANGE_KEYS = frozenset({"min", "max"})


class LoadedCases(NamedTuple):
    """The cases of the files that passed, by judge name in file order, and every problem."""

    cases_by_judge: Mapping[str, tuple[Case, ...]]
    problems: tuple[Problem, ...]


def load_cases(directory: Path, specs: Iterable[JudgeDefinition]) -> LoadedCases:
    """Load every `*.cases.yaml` file under `directory` and check it against `specs`."""
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "does not exist"
        message = f"the spec directory {what}; pass the folder that holds the judge YAML files"
        return LoadedCases({}, (Problem(shown_path(directory), message),))
    judges = {spec.name: spec for spec in specs}
    by_judge: dict[str, list[Case]] = {}
    first_seen: dict[tuple[str, str], Case] = {}
    problems: list[Problem] = []
    for path in _cases_files(directory):
        shown = shown_path(path)
        check = _FileCheck(shown, judges)
        cases = check.run(path)
        for case in cases:
            earlier = first_seen.setdefault((case.judge, case.id), case)
            if earlier is not case and earlier.path != case.path:
                where = f"{earlier.path}:{earlier.line}" if earlier.line else earlier.path
                message = (
                    f"case id {case.id!r} is also a case of judge {case.judge!r} in {where};"
                    " results are reported by id, so give each case of a judge its own id"
                )
                check.problems.append(Problem(shown, message, case.line))
        problems += sorted(check.problems, key=lambda problem: problem.line or 0)
        if not check.problems:
            for case in cases:
                by_judge.setdefault(case.judge, []).append(case)
    cases_by_judge = {name: tuple(cases) for name, cases in by_judge.items()}
    return LoadedCases(cases_by_judge, tuple(problems))


def require_cases(
    directory: Path, specs: Iterable[JudgeDefinition]
) -> Mapping[str, tuple[Case, ...]]:
    """The cases by judge name; raises SpecError listing every problem of every file."""
    loaded = load_cases(directory, specs)
    if loaded.problems:
        error = SpecError(list(loaded.problems))
        error.source = "the cases files"
        raise error
    return loaded.cases_by_judge


def _cases_files(directory: Path) -> list[Path]:
    found: list[Path] = []
    for folder, subfolders, files in os.walk(directory):
        subfolders.sort()
        found.extend(Path(folder, name) for name in files if name.lower().endswith(CASES_SUFFIXES))
    return sorted(found)


def required_properties(definition: JudgeDefinition) -> frozenset[str]:
    """The `properties.*` keys the judge's instructions read (none when they do not parse)."""
    if templates.syntax_problem(definition.instructions) is not None:
        return frozenset()
    return templates.property_names(definition.instructions)


class _FileCheck:
    """The checks of one cases file; its problems, in file order."""

    def __init__(self, shown: str, judges: Mapping[str, JudgeDefinition]) -> None:
        self.shown = shown
        self.judges = judges
        self.problems: list[Problem] = []
        self.document = yamlio.Document(None, {(): 1}, {})

    def run(self, path: Path) -> list[Case]:
        try:
            document = yamlio.load_document(read_text(path, self.shown), self.shown)
        except SpecError as error:
            self.problems += error.problems
            return []
        self.document = document
        data = document.data
        if not isinstance(data, dict):
            got = "the file is empty" if data is None else f"it holds {describe(data)}"
            self._problem(f"a cases file must be a mapping with 'judge' and 'cases' ({got})")
            return []
        self._unknown_keys(data, (), FILE_KEYS)
        judge = self._judge(data)
        items = data.get("cases")
        if "cases" not in data:
            self._problem("cases: field required; add 'cases:' with a list of cases")
        elif not isinstance(items, list) or not items:
            got = "an empty list" if items == [] else describe(items)
            self._problem(f"cases: must be a non-empty list of cases, got {got}", ("cases",))
        else:
            return list(self._cases(items, judge))
        return []

    def _problem(self, message: str, at: yamlio.KeyPath = ()) -> None:
        self.problems.append(Problem(self.shown, message, line_of(self.document, at)))

    def _unknown_keys(
        self, data: dict[Hashable, Any], at: yamlio.KeyPath, allowed: frozenset[str]
    ) -> None:
        for key in data:
            if key not in allowed:
                hint = (
                    did_you_mean(str(key), allowed) or f"allowed keys: {', '.join(sorted(allowed))}"
                )
                inside = f" in '{dotted(at)}'" if at else ""
                self._problem(f"unknown key {key!r}{inside}; {hint.rstrip()}", (*at, key))

    def _judge(self, data: dict[Hashable, Any]) -> JudgeDefinition | None:
        name = data.get("judge")
        if "judge" not in data:
            self._problem("judge: field required; add 'judge:' with the name of the judge")
        elif not isinstance(name, str):
            self._problem(f"judge: must be text, got {describe(name)}", ("judge",))
        elif name not in self.judges:
            hint = did_you_mean(name, frozenset(self.judges))
            self._problem(
                f"judge: no spec defines a judge named {name!r}; {hint}"
                "name the judge as its spec's 'name' does",
                ("judge",),
            )
        else:
            return self.judges[name]
        return None

    def _cases(self, items: list[Any], judge: JudgeDefinition | None) -> Iterator[Case]:
        required = required_properties(judge) if judge is not None else frozenset()
        ids: dict[str, yamlio.KeyPath] = {}
        for index, item in enumerate(items):
            at: yamlio.KeyPath = ("cases", index)
            if not isinstance(item, dict):
                self._problem(f"{dotted(at)}: must be a mapping, got {describe(item)}", at)
                continue
            before = len(self.problems)
            self._unknown_keys(item, at, CASE_KEYS)
            case_id = self._id(item, at, ids)
            messages = self._messages(item, at)
            properties = self._properties(item, at, required)
            for key in ("messages", "properties"):
                self._no_dates(item.get(key), (*at, key))
            expect = self._expect(item, at, judge)
            must_pass = item.get("must_pass", False)
            if not isinstance(must_pass, bool):
                message = f"must be true or false, got {describe(must_pass)}"
                self._problem(f"{dotted((*at, 'must_pass'))}: {message}", (*at, "must_pass"))
            if len(self.problems) == before and judge is not None:
                assert case_id is not None and expect is not None  # no problem, so both are set
                yield Case(
                    judge=judge.name,
                    id=case_id,
                    messages=tuple(MappingProxyType(message) for message in messages),
                    properties=MappingProxyType(properties),
                    expect=expect,
                    must_pass=must_pass,
                    path=self.shown,
                    line=self.document.lines.get((*at, "id")),
                )

    def _id(
        self, item: dict[Hashable, Any], at: yamlio.KeyPath, ids: dict[str, yamlio.KeyPath]
    ) -> str | None:
        where = (*at, "id")
        case_id = item.get("id")
        if "id" not in item:
            self._problem(f"{dotted(where)}: field required; give the case a short id", at)
        elif not isinstance(case_id, str) or not case_id.strip():
            got = "empty text" if isinstance(case_id, str) else describe(case_id)
            self._problem(f"{dotted(where)}: must be a non-empty text, got {got}", where)
        elif case_id in ids:
            first = f"{dotted(ids[case_id])} (line {self.document.lines[ids[case_id]]})"
            self._problem(
                f"{dotted(where)}: {case_id!r} repeats {first}; ids must be unique", where
            )
        else:
            ids[case_id] = where
            return case_id
        return None

    def _messages(self, item: dict[Hashable, Any], at: yamlio.KeyPath) -> list[dict[str, Any]]:
        where = (*at, "messages")
        messages = item.get("messages")
        if "messages" not in item:
            self._problem(f"{dotted(where)}: field required; add the conversation to judge", at)
            return []
        if not isinstance(messages, list) or not messages:
            got = "an empty list" if messages == [] else describe(messages)
            self._problem(
                f"{dotted(where)}: must be a non-empty list of messages, got {got}", where
            )
            return []
        for index, message in enumerate(messages):
            self._message(message, (*where, index))
        return messages

    def _message(self, message: Any, at: yamlio.KeyPath) -> None:
        if not isinstance(message, dict):
            self._problem(
                f"{dotted(at)}: must be a mapping with 'role' and 'content', got"
                f" {describe(message)}",
                at,
            )
            return
        self._unknown_keys(message, at, MESSAGE_KEYS)
        role, content = message.get("role"), message.get("content")
        if "role" not in message:
            self._problem(f"{dotted((*at, 'role'))}: field required; one of {', '.join(ROLES)}", at)
        elif role not in ROLES:
            hint = did_you_mean(str(role), frozenset(ROLES))
            self._problem(
                f"{dotted((*at, 'role'))}: {role!r} is not a role; {hint}use one of"
                f" {', '.join(ROLES)}",
                (*at, "role"),
            )
        if "content" not in message:
            self._problem(f"{dotted((*at, 'content'))}: field required; add the message text", at)
        elif not isinstance(content, str):
            self._problem(
                f"{dotted((*at, 'content'))}: must be text, got {describe(content)};"
                " put it in quotes",
                (*at, "content"),
            )

    def _no_dates(self, value: Any, at: yamlio.KeyPath) -> None:
        """Dates, which YAML reads from unquoted `2024-05-01`, cannot go in a JSON request."""
        if isinstance(value, datetime.date):
            self._problem(f"{dotted(at)}: {value} is read as a date; put it in quotes", at)
        elif isinstance(value, dict | list):
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                self._no_dates(item, (*at, key))

    def _properties(
        self, item: dict[Hashable, Any], at: yamlio.KeyPath, required: frozenset[str]
    ) -> dict[str, Any]:
        where = (*at, "properties")
        properties = item.get("properties", {})
        if not isinstance(properties, dict):
            self._problem(f"{dotted(where)}: must be a mapping, got {describe(properties)}", where)
            return {}
        for key in properties:
            if not isinstance(key, str):
                self._problem(
                    f"{dotted(where)}: the key {key!r} is not text; put it in quotes", where
                )
        for name in sorted(required - properties.keys()):
            self._problem(
                f"{dotted(where)}: the judge's instructions use properties.{name}, which this"
                f" case does not set (it would render as empty text); add '{name}:' under"
                " properties",
                where,
            )
        return properties

    def _expect(
        self, item: dict[Hashable, Any], at: yamlio.KeyPath, judge: JudgeDefinition | None
    ) -> Expectation | None:
        where = (*at, "expect")
        if "expect" not in item:
            self._problem(f"{dotted(where)}: field required; say which verdict is right", at)
            return None
        if judge is None:  # the judge's problem is reported; its output is unknown
            return None
        output = judge.output
        if isinstance(output, ClassificationOutput):
            return self._expect_option(item["expect"], where, judge.name, output)
        return self._expect_score(item["expect"], where, judge.name, output)

    def _expect_option(
        self, expect: Any, at: yamlio.KeyPath, judge: str, output: ClassificationOutput
    ) -> str | None:
        values = [option.value for option in output.options]
        listed = ", ".join(values)
        if not isinstance(expect, str):
            self._problem(
                f"{dotted(at)}: {judge!r} is a classification judge, so expect one of its"
                f" options ({listed}) as text, got {describe(expect)}",
                at,
            )
            return None
        if expect not in values:
            hint = did_you_mean(expect, frozenset(values))
            self._problem(
                f"{dotted(at)}: {expect!r} is not an option of {judge!r}; {hint}its options:"
                f" {listed}",
                at,
            )
            return None
        return expect

    def _expect_score(
        self, expect: Any, at: yamlio.KeyPath, judge: str, output: RegressionOutput
    ) -> ScoreRange | None:
        scale = _scale(output)
        if is_number(expect):
            expected = ScoreRange(expect, expect)
        elif isinstance(expect, dict):
            self._unknown_keys(expect, at, RANGE_KEYS)
            low, high = expect.get("min"), expect.get("max")
            for bound, value in (("min", low), ("max", high)):
                if bound not in expect:
                    self._problem(f"{dotted((*at, bound))}: field required; add '{bound}:'", at)
                elif not is_number(value):
                    got = describe(value)
                    self._problem(
                        f"{dotted((*at, bound))}: must be a number, got {got}", (*at, bound)
                    )
            if not (is_number(low) and is_number(high)):
                return None
            if low > high:
                self._problem(
                    f"{dotted(at)}: min ({low:g}) is greater than max ({high:g}); swap them", at
                )
                return None
            expected = ScoreRange(low, high)
        else:
            self._problem(
                f"{dotted(at)}: {judge!r} is a regression judge, so expect a number or a range"
                f" {{min: ..., max: ...}}, got {describe(expect)}",
                at,
            )
            return None
        if expected.min < scale.min or expected.max > scale.max:
            self._problem(
                f"{dotted(at)}: {expected} lies outside the range of {judge!r} ({scale});"
                " expect scores the judge can give",
                at,
            )
            return None
        return expected


def _scale(output: RegressionOutput) -> ScoreRange:
    """The judge's range; a bound the API leaves unset is open."""
    low = output.min if output.min is not None else -math.inf
    high = output.max if output.max is not None else math.inf
    return ScoreRange(low, high)
