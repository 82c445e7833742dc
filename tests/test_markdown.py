"""The markdown renderer: golden files, escaping, and GitHub's comment limit.

The golden files under tests/data/golden/ are the exact expected output. After
an intended change to the renderer, regenerate them and review the diff:

    .venv/bin/python -m tests.test_markdown
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from judgesync.plan.executor import ActionResult, Outcome, Report
from judgesync.plan.header import PlanHeader
from judgesync.plan.planner import Plan, plan
from judgesync.render import as_markdown, markdown_report, markdown_text
from judgesync.settings.policy import Policy
from tests.builders import definition, regression, remote

# The default scope: the whole workspace, nothing pruned.
LOCAL = PlanHeader("local", None, prune=False)

GOLDEN = Path(__file__).parent / "data" / "golden"


def mixed_plan() -> Plan:
    return plan(
        [
            definition("accuracy"),
            definition("tone", instructions="Be polite.\nRate {{ assistant_message }}\n"),
            regression("helpfulness", high=10),
        ],
        [
            remote(definition("tone", instructions="Be nice.\nRate {{ assistant_message }}\n")),
            remote(regression("helpfulness", high=5)),
            remote(definition("legacy")),
        ],
        Policy(prune=True),
    )


def no_change_plan(policy: Policy | None = None) -> Plan:
    return plan(
        [definition("tone")],
        [remote(definition("tone")), remote(definition("legacy"))],
        policy or Policy(),
    )


OWNED = Policy(ownership=("tone", "legacy*"))


def long_plan() -> Plan:
    """Two updates whose instructions diffs are far too long for a 2,000-character comment."""
    before = "".join(f"Old line {i}\n" for i in range(60))
    after = "".join(f"New line {i}\n" for i in range(60))
    return plan(
        [definition("alpha", instructions=after), definition("beta", instructions=after)],
        [remote(definition("alpha", instructions=before)), remote(definition("beta"))],
    )


def mixed_report() -> Report:
    create, update, delete = (
        next(a for a in mixed_plan().changes if a.name == name)
        for name in ("accuracy", "tone", "legacy")
    )
    return Report(
        (
            ActionResult(create, Outcome.DONE, "created (id id-accuracy)"),
            ActionResult(delete, Outcome.DONE, "deleted (id id-legacy)"),
            ActionResult(update, Outcome.FAILED, "'tone' is used in a campaign | locked"),
        )
    )


GOLDEN_CASES: dict[str, Callable[[], str]] = {
    "plan.md": lambda: as_markdown.render_plan(mixed_plan(), PlanHeader("local", None, prune=True)),
    "plan-full.md": lambda: as_markdown.render_plan(
        mixed_plan(), PlanHeader("local", None, prune=True), full=True
    ),
    "plan-no-changes.md": lambda: as_markdown.render_plan(no_change_plan(), LOCAL),
    "plan-unmanaged-listed.md": lambda: as_markdown.render_plan(
        no_change_plan(OWNED),
        PlanHeader("local", OWNED.ownership, prune=False),
        list_unmanaged=True,
    ),
    "plan-truncated.md": lambda: as_markdown.render_plan(
        long_plan(),
        PlanHeader("https://api.mistral.ai", None, False),
        limit=markdown_text.MIN_LIMIT,
    ),
    "report.md": lambda: markdown_report.render_report(mixed_report()),
    "report-empty.md": lambda: markdown_report.render_report(Report(())),
}


@pytest.mark.parametrize("filename", sorted(GOLDEN_CASES))
def test_rendering_matches_the_golden_file(filename):
    expected = (GOLDEN / filename).read_text(encoding="utf-8")
    assert GOLDEN_CASES[filename]() == expected, (
        f"{filename} differs; if the change is intended, run"
        " `.venv/bin/python -m tests.test_markdown` and review the diff"
    )


def test_plan_starts_with_the_hidden_marker_the_workflow_looks_for():
    text = as_markdown.render_plan(mixed_plan(), LOCAL)
    assert text.startswith("<!-- judgesync-plan -->\n")
    assert markdown_report.render_report(mixed_report()).startswith("<!-- judgesync-apply -->\n")


def test_plan_has_a_summary_table_then_one_details_block_per_update():
    text = as_markdown.render_plan(mixed_plan(), LOCAL)
    assert "| action | judge | fields changed |\n| --- | --- | --- |\n" in text
    assert "| ~ update | <code>helpfulness</code> | **major** · <code>output.max</code> |" in text
    assert "| + create | <code>accuracy</code> | new judge |" in text
    assert text.count("<details>") == text.count("</details>") == 2
    assert text.count("```diff\n") == 2
    assert text.index("| action |") < text.index("<details>")


def test_full_plan_has_a_details_block_per_judge_created_or_deleted_too():
    text = as_markdown.render_plan(mixed_plan(), LOCAL, full=True)
    assert text.count("<details>") == text.count("```diff\n") == 4
    assert '+ name: "accuracy"' in text and '- name: "legacy"' in text


@pytest.mark.parametrize(
    ("header", "lines"),
    [
        (LOCAL, ["- Target: local", "- Ownership: the whole workspace", "- Prune: off"]),
        (
            PlanHeader("staging", ("team-a-*", "x|y"), prune=True),
            [
                "- Target: staging",
                "- Ownership: judges named <code>team-a-&#42;</code>, <code>x&#124;y</code>",
                "- Prune: on",
            ],
        ),
    ],
)
def test_plan_head_names_target_ownership_and_pruning(header, lines):
    text = as_markdown.render_plan(plan([], []), header)
    for line in lines:
        assert "\n" + line in text


def test_update_diff_lines_start_with_plus_and_minus_so_github_colours_them():
    text = as_markdown.render_plan(mixed_plan(), LOCAL)
    assert "-Be nice.\n+Be polite.\n" in text
    assert "- output.max: 5.0\n+ output.max: 10.0\n" in text


@pytest.mark.parametrize(
    ("name", "forbidden"),
    [
        ("a|b", "a|b"),
        ("a`b", "a`b"),
        ("<script>alert(1)</script>", "<script>"),
        ("**bold**", "**bold**"),
        ("[link](https://example.com)", "[link]"),
    ],
)
def test_judge_names_are_escaped_in_the_table_and_the_summary(name, forbidden):
    text = as_markdown.render_plan(plan([definition(name)], []), LOCAL)
    rows = [line for line in text.splitlines() if line.startswith("| + create")]
    assert len(rows) == 1
    assert rows[0].count("|") == 4, "a pipe in the name must not add a table cell"
    outside_diff = text.split("```")[0]
    assert forbidden not in outside_diff


def test_names_sit_inside_code_where_github_does_not_turn_mentions_into_pings():
    text = as_markdown.render_plan(plan([definition("@octocat")], []), LOCAL, full=True)
    assert text.count("@octocat") == text.count("<code>@octocat</code>") + 1  # + the diff line
    assert '+ name: "@octocat"' in text


def test_content_with_a_fence_gets_a_longer_fence():
    instructions = "Example:\n```\ncode\n```\nand ````` five\nRate {{ assistant_message }}\n"
    result = plan([definition(instructions=instructions)], [])
    text = as_markdown.render_plan(result, PlanHeader("t", None, False), full=True)
    assert "``````diff\n" in text
    body = text.split("``````diff\n")[1].split("\n``````\n")[0]
    assert "+```" in body and "+and ````` five" in body


def test_no_ansi_escape_is_ever_emitted():
    instructions = "\x1b[31mred\x1b[0m and \x9b2J\nRate {{ assistant_message }}\n"
    text = as_markdown.render_plan(
        plan([definition("\x1bname", instructions=instructions)], []),
        PlanHeader("t", None, False),
        full=True,
    )
    assert "\x1b" not in text and "\x9b" not in text
    assert "+\\u001b[31mred\\u001b[0m and \\u009b2J" in text


def test_plan_without_changes_says_so_and_counts_unmanaged_judges():
    text = as_markdown.render_plan(no_change_plan(), LOCAL)
    assert "No changes. The remote judges match the specs." in text
    assert "<details>" not in text
    assert "Not managed: 1 owned judge that no spec names, left alone. Use `--prune`" in text
    assert "legacy" not in text


def test_unmanaged_judges_are_named_on_request():
    text = as_markdown.render_plan(no_change_plan(), LOCAL, list_unmanaged=True)
    assert "left alone: <code>legacy</code>. Use `--prune`" in text


def test_model_overrides_of_the_target_are_listed():
    policy = Policy(model_overrides=(("mistral-small-latest", "ministral-8b-latest"),))
    text = as_markdown.render_plan(
        plan([definition("tone")], [], policy), PlanHeader("staging", None, False)
    )
    assert (
        "Model overrides for this target: <code>tone</code>"
        " (<code>mistral-small-latest</code> → <code>ministral-8b-latest</code>)." in text
    )


def test_report_counts_per_action_then_failures_then_folded_successes():
    text = markdown_report.render_report(mixed_report())
    assert "**Apply: 2 done, 1 failed.**" in text
    assert "| ~ update | 0 | 1 |\n" in text and "| + create | 1 | 0 |\n" in text
    failed = text.index("#### Not done (1)")
    row = (
        "| **FAILED** | ~ update | <code>tone</code> | 'tone' is used in a campaign &#124; locked |"
    )
    assert row in text
    assert text.index("Run apply again") > failed
    assert text.index("<details><summary>Done (2)</summary>") > failed
    assert "too long" not in text


def big_report(results: int, failures: int, message: str = "created (id {i:036})") -> Report:
    actions = plan([definition(f"judge-{i:04}") for i in range(results)], []).changes
    return Report(
        tuple(
            ActionResult(
                action,
                Outcome.FAILED if i < failures else Outcome.DONE,
                message.format(i=i),
            )
            for i, action in enumerate(actions)
        )
    )


def test_a_report_of_1000_results_fits_in_one_comment_with_every_failure():
    text = markdown_report.render_report(big_report(1_000, failures=20))
    assert len(text) < markdown_text.GITHUB_COMMENT_LIMIT
    assert "**Apply: 980 done, 20 failed.**" in text
    assert "| + create | 980 | 20 |" in text
    for i in range(20):
        assert f"<code>judge-{i:04}</code> | created (id {i:036}) |" in text
    assert re.search(r"^\| … \| … \| \d+ more \| see the complete report \|$", text, re.M)
    assert "`judgesync show plan.json`" in text and "--format json" in text
    assert text.count("<details>") == text.count("</details>") == 1


def test_many_long_failures_are_narrowed_then_cut_but_stay_within_the_limit():
    text = markdown_report.render_report(big_report(1_000, 1_000, "boom {i} " + "x" * 2_000))
    assert len(text) <= markdown_text.DEFAULT_LIMIT
    assert "<code>judge-0000</code> | boom 0 xxx" in text
    assert "…" in text and "too long for one comment" in text
    assert "Done (" not in text


def huge_plan(kind: str) -> Plan:
    """500 judges with 20 KB instructions each, all created or all rewritten."""
    text = "".join(
        f"Line {i}: weigh {{{{ assistant_message }}}} with care here.\n" for i in range(400)
    )
    assert len(text) >= 20_000
    desired = [definition(f"judge-{i:03}", instructions=text) for i in range(500)]
    if kind == "create":
        return plan(desired, [])
    rewritten = text.replace("Line", "Row")
    return plan(
        desired, [remote(definition(f"judge-{i:03}", instructions=rewritten)) for i in range(500)]
    )


@pytest.mark.parametrize("kind", ["create", "update"])
def test_a_plan_of_500_judges_with_20kb_instructions_fits_in_one_comment(kind):
    text = as_markdown.render_plan(huge_plan(kind), LOCAL, full=True)
    assert len(text) <= 65_000 < markdown_text.GITHUB_COMMENT_LIMIT
    assert "too long for one comment" in text
    assert "plan artifact" in text
    assert text.count("<details>") == text.count("</details>") > 0
    assert text.count("```diff\n") == text.count("<details>")
    # Every judge is still named in the summary table.
    assert (
        len(re.findall(r"^\| [+~] (create|update) \| <code>judge-\d{3}</code>", text, re.M)) == 500
    )


@pytest.mark.parametrize("limit", [markdown_text.MIN_LIMIT, 5_000, 20_000])
def test_truncation_respects_any_limit_and_keeps_fences_balanced(limit):
    text = as_markdown.render_plan(long_plan(), LOCAL, limit=limit)
    assert len(text) <= limit
    fences = re.findall(r"^(`{3,})(diff)?$", text, re.M)
    assert len(fences) % 2 == 0
    assert text.count("<details>") == text.count("</details>")


def test_short_diffs_stay_whole_when_long_ones_are_cut():
    short = definition("short", description="A new description.")
    long_text = "".join(f"Line {i} {{{{ assistant_message }}}}\n" for i in range(2_000))
    result = plan(
        [short, definition("long", instructions=long_text)],
        [remote(definition("short")), remote(definition("long"))],
    )
    text = as_markdown.render_plan(result, LOCAL, limit=10_000)
    assert '+ description: "A new description."' in text
    assert "1 of 2 judge diffs shortened" in text
    assert "diff lines shown; the rest is in the complete plan." in text


def test_creates_are_table_rows_only_so_500_fit_without_cutting():
    text = as_markdown.render_plan(huge_plan("create"), LOCAL)
    assert "too long" not in text and "<details>" not in text
    assert (
        len(re.findall(r"^\| \+ create \| <code>judge-\d{3}</code> \| new judge \|$", text, re.M))
        == 500
    )


def test_a_huge_unmanaged_list_is_shortened_too():
    unmanaged = [remote(definition(f"legacy-{i:04}")) for i in range(5_000)]
    text = as_markdown.render_plan(plan([], unmanaged), LOCAL, list_unmanaged=True)
    assert len(text) <= 65_000
    assert re.search(r", and \d+ more\. Use `--prune`", text)
    assert "Not managed: 5000 owned judges" in text


def test_a_limit_too_small_for_any_plan_is_refused():
    with pytest.raises(ValueError, match="at least"):
        as_markdown.render_plan(mixed_plan(), LOCAL, limit=100)


def regenerate_golden_files() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for filename, render in sorted(GOLDEN_CASES.items()):
        (GOLDEN / filename).write_text(render(), encoding="utf-8")
        print(f"wrote {GOLDEN / filename}")


if __name__ == "__main__":
    regenerate_golden_files()


def test_an_interrupted_report_lists_what_never_started_and_what_is_unknown():
    create, update, delete = (
        next(a for a in mixed_plan().changes if a.name == name)
        for name in ("accuracy", "tone", "legacy")
    )
    report = Report(
        (
            ActionResult(delete, Outcome.DONE, "deleted (id id-legacy)"),
            ActionResult(update, Outcome.UNKNOWN, "in flight"),
            ActionResult(create, Outcome.NOT_STARTED, "because the run stopped first"),
        ),
        stopped_by=KeyboardInterrupt(),
    )
    text = markdown_report.render_report(report)
    assert "**Apply: 1 done, 0 failed, 1 not started, 1 unknown.**" in text
    assert "| action | done | not started | unknown |\n" in text
    assert "| + create | 0 | 1 | 0 |\n" in text
    not_done = text.index("#### Not done (2)")
    assert "| **UNKNOWN** | ~ update | <code>tone</code> | in flight |" in text
    assert "| not started | + create | <code>accuracy</code> |" in text
    assert text.index("Apply stopped early; run plan again") > not_done
    assert "<details><summary>Done (1)</summary>" in text
