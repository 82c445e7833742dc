"""The one registry of output formats: each `--format` value renders each document.

`FORMATS[name]` is a `Format`; the CLI looks it up once and asks it for the
document its command prints (plan, plan with replay, apply report, test run,
judge verdict) and for the annotations of its errors and warnings. Every
method returns text; none reads the terminal: colour and quietness arrive in
a `Style`. Markdown caps every document at the comment limit
(`markdown_text.DEFAULT_LIMIT`); github is markdown, declared once, plus its
annotations. Annotations go to stderr for every command (the CLI prints
`annotations(...)` there), so stdout holds only the document.

Adding a format is one class here and one entry in `FORMATS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from judgesync.errors import Problem
    from judgesync.plan.executor import Report
    from judgesync.plan.header import PlanHeader
    from judgesync.plan.planner import Plan
    from judgesync.review.cost import JudgingCost
    from judgesync.review.replay import Replay
    from judgesync.review.testing import TestRun


@dataclass(frozen=True)
class Style:
    """How to show a document: colour and quietness (text only), --diff full, --list-unmanaged."""

    colour: bool = False
    quiet: bool = False
    full: bool = False
    list_unmanaged: bool = False


class Format:
    """Plain text, for a terminal: the default, and what each other format starts from."""

    name = "text"
    # Whether apply shows the plan before its report (JSON prints both as one document).
    plan_before_apply = True

    def plan(self, plan: Plan, header: PlanHeader, style: Style) -> str:
        """The plan; with `style.quiet`, only its summary."""
        from judgesync.render import as_text

        if style.quiet:
            return as_text.summary(plan) + "\n"
        return as_text.render_plan(
            plan, header, style.colour, full=style.full, list_unmanaged=style.list_unmanaged
        )

    def saved_plan(
        self, plan: Plan, header: PlanHeader, traffic: Mapping[str, Any] | None, style: Style
    ) -> str:
        """A plan saved by `plan --out` (`show`), with the traffic its replay judged."""
        from judgesync.render import traffic_text

        text = self.plan(plan, header, style)
        return text if traffic is None else text + "\n" + traffic_text.render_saved_traffic(traffic)

    def plan_with_replay(self, plan: Plan, header: PlanHeader, replay: Replay, style: Style) -> str:
        from judgesync.render import as_text, review_text

        text = as_text.render_plan(
            plan, header, style.colour, full=style.full, list_unmanaged=style.list_unmanaged
        )
        return text + "\n" + review_text.render_replay(replay)

    def apply_report(self, plan: Plan, header: PlanHeader, report: Report, style: Style) -> str:
        """What apply did; nothing when it had nothing to do (the plan said so)."""
        from judgesync.render import as_text

        if not report.results:
            return ""
        return as_text.render_report(report, style.colour, style.quiet)

    def cost(self, cost: JudgingCost) -> str:
        """The line stating a run's judging cost: stderr, before it spends, in every format."""
        from judgesync.render.review_cost import cost_line

        return cost_line(cost)

    def test_run(self, run: TestRun, style: Style) -> str:
        from judgesync.render import review_text

        return review_text.render_test(run)

    def verdict(self, target: str, output: Mapping[str, Any], style: Style) -> str:
        """One judge's answer on one conversation (`judgesync judge`)."""
        from judgesync.review.live_judging import EMULATED_MARK, EMULATED_NOTE

        analysis = str(output.get("analysis", ""))
        lines = [f"Target: {target}"]
        if analysis.startswith(EMULATED_MARK):
            lines.append(EMULATED_NOTE)
        lines += [f"Analysis: {analysis}", f"Answer: {output.get('answer')}"]
        return "\n".join(lines) + "\n"

    def annotations(
        self,
        *,
        problems: Iterable[Problem] = (),
        warnings: Iterable[Problem] = (),
        errors: Iterable[str] = (),
        warning_messages: Iterable[str] = (),
    ) -> str:
        """Workflow commands for the run's log (github only); printed on stderr."""
        return ""

    def message(self, text: str) -> str:
        """A line judgesync prints beside the document (an error, a warning, a problem)."""
        return text


class Markdown(Format):
    """For a PR comment or job summary: every document fits in one comment."""

    name = "markdown"

    def plan(self, plan: Plan, header: PlanHeader, style: Style) -> str:
        from judgesync.render import as_markdown

        return as_markdown.render_plan(
            plan, header, full=style.full, list_unmanaged=style.list_unmanaged
        )

    def saved_plan(
        self, plan: Plan, header: PlanHeader, traffic: Mapping[str, Any] | None, style: Style
    ) -> str:
        from judgesync.render import markdown_text, traffic_markdown

        if traffic is None:
            return self.plan(plan, header, style)
        section = traffic_markdown.render_saved_traffic(traffic)
        room = max(markdown_text.MIN_LIMIT, markdown_text.DEFAULT_LIMIT - len(section) - 1)
        from judgesync.render import as_markdown

        text = as_markdown.render_plan(
            plan, header, room, full=style.full, list_unmanaged=style.list_unmanaged
        )
        return text + "\n" + section

    def plan_with_replay(self, plan: Plan, header: PlanHeader, replay: Replay, style: Style) -> str:
        """The replay section first gets its room; the plan gets what it leaves."""
        from judgesync.render import as_markdown, markdown_text, review_markdown

        section = review_markdown.render_replay(replay)
        room = max(markdown_text.MIN_LIMIT, markdown_text.DEFAULT_LIMIT - len(section) - 1)
        text = as_markdown.render_plan(
            plan, header, room, full=style.full, list_unmanaged=style.list_unmanaged
        )
        return text + "\n" + section

    def apply_report(self, plan: Plan, header: PlanHeader, report: Report, style: Style) -> str:
        from judgesync.render import markdown_report

        return markdown_report.render_report(report)

    def test_run(self, run: TestRun, style: Style) -> str:
        from judgesync.render import review_markdown

        return review_markdown.render_test(run)


class GitHub(Markdown):
    """Markdown for a GitHub Actions step, with errors and warnings as annotations.

    A step's log runs workflow commands, so every document and message is printed
    with no line of it readable as one (as_github.neutralise); only `annotations`
    are commands.
    """

    name = "github"

    def plan(self, plan: Plan, header: PlanHeader, style: Style) -> str:
        return self.message(super().plan(plan, header, style))

    def saved_plan(
        self, plan: Plan, header: PlanHeader, traffic: Mapping[str, Any] | None, style: Style
    ) -> str:
        return self.message(super().saved_plan(plan, header, traffic, style))

    def plan_with_replay(self, plan: Plan, header: PlanHeader, replay: Replay, style: Style) -> str:
        return self.message(super().plan_with_replay(plan, header, replay, style))

    def apply_report(self, plan: Plan, header: PlanHeader, report: Report, style: Style) -> str:
        return self.message(super().apply_report(plan, header, report, style))

    def test_run(self, run: TestRun, style: Style) -> str:
        return self.message(super().test_run(run, style))

    def verdict(self, target: str, output: Mapping[str, Any], style: Style) -> str:
        return self.message(super().verdict(target, output, style))

    def message(self, text: str) -> str:
        from judgesync.render import as_github

        return as_github.neutralise(text)

    def annotations(
        self,
        *,
        problems: Iterable[Problem] = (),
        warnings: Iterable[Problem] = (),
        errors: Iterable[str] = (),
        warning_messages: Iterable[str] = (),
    ) -> str:
        from judgesync.render import as_github

        return (
            as_github.render_problems(problems)
            + as_github.render_problems(warnings, level="warning")
            + "".join(as_github.render_error(message) for message in errors)
            + "".join(as_github.render_warning(message) for message in warning_messages)
        )


class Json(Format):
    """For machines: each document one JSON object (render/as_json.py has the schema)."""

    name = "json"
    plan_before_apply = False

    def plan(self, plan: Plan, header: PlanHeader, style: Style) -> str:
        from judgesync.render import as_json

        return as_json.dumps(as_json.plan_document(plan, header))

    def saved_plan(
        self, plan: Plan, header: PlanHeader, traffic: Mapping[str, Any] | None, style: Style
    ) -> str:
        from judgesync.render import as_json

        document = as_json.plan_document(plan, header)
        if traffic is not None:
            document["traffic"] = dict(traffic)
        return as_json.dumps(document)

    def plan_with_replay(self, plan: Plan, header: PlanHeader, replay: Replay, style: Style) -> str:
        from judgesync.render import as_json, review_json

        document = as_json.plan_document(plan, header)
        document["replay"] = review_json.replay_document(replay)
        return as_json.dumps(document)

    def apply_report(self, plan: Plan, header: PlanHeader, report: Report, style: Style) -> str:
        from judgesync.render import as_json

        document = {
            "plan": as_json.plan_document(plan, header),
            "report": as_json.report_document(report),
        }
        return as_json.dumps(document)

    def test_run(self, run: TestRun, style: Style) -> str:
        from judgesync.render import as_json, review_json

        return as_json.dumps(review_json.test_document(run))


FORMATS: dict[str, Format] = {
    format.name: format for format in (Format(), Markdown(), Json(), GitHub())
}
