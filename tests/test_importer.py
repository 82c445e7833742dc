import os
from pathlib import Path, PurePosixPath

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from judgesync.cli import cli
from judgesync.commands.import_ import import_judges
from judgesync.errors import ConfigError
from judgesync.models import JudgeDefinition
from judgesync.names import name_key
from judgesync.plan.normalize import canonical
from judgesync.remote.client import JudgesClient
from judgesync.specs.loader import load_specs
from judgesync.specs.writer import (
    SpecFileToWrite,
    Written,
    select_judges,
    slug,
    spec_files_for,
    survives_prompt_file,
    write,
)
from tests.builders import definition, regression, remote


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """An empty repository as the working directory."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def paths(files: list[SpecFileToWrite]) -> list[str]:
    return [str(file.relative_path) for file in files]


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("tone", "tone"),
        ("team-a/critical x", "team-a-critical-x"),
        ("Helpfulness (v2)", "helpfulness-v2"),
        ("pii_leak", "pii_leak"),
        ("café ☕ check", "café-check"),
        ("  spaced  ", "spaced"),
        ("🎉🎉", "judge"),
        ("../../etc/passwd", "etc-passwd"),
        ("con", "con-judge"),
        ("x" * 200, "x" * 80),
    ],
)
def test_slug_makes_a_safe_file_stem_from_a_judge_name(name, stem):
    assert slug(name) == stem


def test_names_that_slug_alike_get_numbered_files_in_name_order():
    judges = [remote(definition(name)) for name in ("tone!", "Tone", "tone", "tone 2")]
    assert paths(spec_files_for(judges, split_instructions=False)) == [
        "tone.yaml",  # "Tone" sorts first
        "tone-2.yaml",  # "tone"
        "tone-2-2.yaml",  # "tone 2": its own stem is taken
        "tone-3.yaml",  # "tone!"
    ]


def test_the_same_judges_in_another_order_give_the_same_files():
    judges = [remote(definition(name)) for name in ("b", "a", "A", "a!")]
    forward = spec_files_for(judges, split_instructions=True)
    assert spec_files_for(list(reversed(judges)), split_instructions=True) == forward


def test_spec_keys_are_written_in_reading_order():
    judge = remote(regression("helpfulness", 1, 5).model_copy(update={"tools": ["search"]}))
    [file] = spec_files_for([judge], split_instructions=False)
    assert file.text == (
        "name: helpfulness\n"
        "description: Is the answer polite?\n"
        "model_name: mistral-small-latest\n"
        "instructions: |\n"
        "  Rate {{ assistant_message }}\n"
        "output:\n"
        "  type: REGRESSION\n"
        "  min: 1\n"
        "  min_description: useless\n"
        "  max: 5\n"
        "  max_description: perfect\n"
        "tools:\n"
        "  - search\n"
    )


def test_fractional_and_huge_bounds_stay_floats():
    [file] = spec_files_for([remote(regression("r", -2.5, 1e20))], split_instructions=False)
    assert "  min: -2.5\n" in file.text
    assert "  max: 1.0e+20\n" in file.text


def test_split_puts_multi_line_instructions_in_a_prompt_file():
    judge = remote(definition("team-a/tone", instructions="Line one\n{{ user_message }}\n"))
    prompt, spec = spec_files_for([judge], split_instructions=True)
    assert prompt == SpecFileToWrite(
        PurePosixPath("prompts/team-a-tone.md"), "Line one\n{{ user_message }}\n"
    )
    assert spec.relative_path == PurePosixPath("team-a-tone.yaml")
    assert "instructions_file: prompts/team-a-tone.md\n" in spec.text
    assert "instructions:" not in spec.text


@pytest.mark.parametrize(
    "instructions",
    [
        "One line only {{ user_message }}",
        "Windows\r\nline ends {{ user_message }}\r\n",
        "\ufeffStarts with a BOM\n{{ user_message }}\n",
    ],
)
def test_split_keeps_inline_what_a_prompt_file_would_not_give_back(instructions):
    files = spec_files_for([remote(definition(instructions=instructions))], True)
    assert paths(files) == ["tone.yaml"]


@pytest.mark.parametrize(
    ("text", "survives"),
    [
        ("Plain\ntext\n", True),
        ("no final newline", True),
        ("lone\rcarriage return", True),
        ("crlf\r\n", False),
        ("\ufeffbom", False),
        ("  \n", False),
    ],
)
def test_survives_prompt_file_mirrors_the_loader(text, survives):
    assert survives_prompt_file(text) is survives


def test_write_leaves_a_file_holding_its_exact_text_alone(tmp_path):
    (tmp_path / "tone.yaml").write_bytes(b"tone\r\n")
    (tmp_path / "crlf.yaml").write_bytes(b"crlf\n")  # differs by its line end only
    files = {tmp_path / "tone.yaml": "tone\r\n", tmp_path / "crlf.yaml": "crlf\r\n"}
    assert write(files) == (tmp_path / "crlf.yaml",)
    assert (tmp_path / "crlf.yaml").read_bytes() == b"crlf\r\n"


def test_write_makes_folders_and_keeps_bytes_exact(tmp_path):
    (tmp_path / "tone.yaml").write_text("mine\n")
    files = {tmp_path / "tone.yaml": "new\r\n", tmp_path / "prompts" / "tone.md": "é\n"}
    assert write(files) == (tmp_path / "prompts" / "tone.md", tmp_path / "tone.yaml")
    assert (tmp_path / "tone.yaml").read_bytes() == b"new\r\n"
    assert (tmp_path / "prompts" / "tone.md").read_bytes() == "é\n".encode()


JUDGES = [
    remote(definition("Tone check", description="Is the tone right?")),
    remote(definition("team-a/pii", description="Finds leaked PII.")),
    remote(definition("team-a/critical-x", description="Critical tone")),
]


@pytest.mark.parametrize(
    ("query", "names", "selected"),
    [
        (None, (), ["Tone check", "team-a/critical-x", "team-a/pii"]),
        ("TONE", (), ["Tone check", "team-a/critical-x"]),  # name or description
        ("leaked pii", (), ["team-a/pii"]),
        (None, ("team-a/pii",), ["team-a/pii"]),
        ("tone", ("team-a/pii",), []),
        ("nothing matches", (), []),
    ],
)
def test_select_filters_by_text_and_exact_names(query, names, selected):
    assert [judge.name for judge in select_judges(JUDGES, query, names)] == selected


def test_select_keeps_only_owned_judges():
    chosen = select_judges(JUDGES, owns=lambda name: name.startswith("team-a/"))
    assert [judge.name for judge in chosen] == ["team-a/critical-x", "team-a/pii"]


def test_select_refuses_a_name_that_is_not_remote():
    with pytest.raises(ConfigError, match="No remote judge is named 'tone check'"):
        select_judges(JUDGES, names=("tone check",))


def test_select_refuses_a_name_outside_the_ownership_scope():
    with pytest.raises(ConfigError, match="'Tone check' lies outside the ownership scope"):
        select_judges(JUDGES, names=("Tone check",), owns=lambda name: name != "Tone check")


def test_import_writes_nothing_when_a_judge_breaks_the_spec_rules(repo):
    judges = [
        remote(definition("ok")),
        remote(definition("typo", instructions="{{ asistant_message }}")),
    ]
    imported = import_judges(judges, repo / "judges", split_instructions=False, force=False)
    assert imported.files == Written((), (), ())
    assert not (repo / "judges").exists()
    assert not imported.problems_were_there
    [problem] = imported.problems
    assert problem.path == "judges/typo.yaml"
    assert "unknown template variable 'asistant_message'" in problem.message


# Texts in every awkward shape: pieces that YAML and the loader treat specially, mixed in.
_AWKWARD = st.sampled_from(
    ["\r\n", "\n", "\r", "  ", "\t", "\ufeff", "\u2028", "é", "🎉", ": ", "- ", "'", '"', "1.0"]
)


def _mixed(characters: st.SearchStrategy[str], size: int) -> st.SearchStrategy[str]:
    pieces = _AWKWARD | st.text(characters, max_size=size)
    return st.lists(pieces, max_size=6).map("".join)


_TEXT = _mixed(st.characters(exclude_categories=("Cs",)), 10)
_PROSE = _mixed(st.characters(exclude_categories=("Cs",), exclude_characters="{}%#"), 20)
_NAME = st.text(min_size=1, max_size=20).filter(lambda name: name == name.strip() and name)
_NONBLANK = _TEXT.filter(lambda text: bool(text.strip()))
_BOUNDS = st.tuples(
    st.floats(-1e6, 1e6, allow_nan=False) | st.integers(-1000, 1000),
    st.floats(0.001, 1e6) | st.integers(1, 1000),
).map(lambda pair: (pair[0], pair[0] + pair[1]))


@st.composite
def judge_definitions(draw: st.DrawFn, name: str) -> JudgeDefinition:
    if draw(st.booleans()):
        values = draw(st.lists(_NONBLANK, min_size=1, max_size=3, unique=True))
        output = {
            "type": "CLASSIFICATION",
            "options": [{"value": value, "description": draw(_TEXT)} for value in values],
        }
    else:
        low, high = draw(_BOUNDS)
        output = {
            "type": "REGRESSION",
            "min": low,
            "min_description": draw(_TEXT),
            "max": high,
            "max_description": draw(_TEXT),
        }
    return definition(
        name,
        description=draw(_TEXT),
        model_name=draw(_NONBLANK),
        instructions=draw(_PROSE.filter(lambda text: bool(text.strip()))),
        output=output,
        tools=draw(st.lists(_NONBLANK, max_size=3, unique=True)),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(_NAME, min_size=1, max_size=4, unique_by=name_key),
    data=st.data(),
    split=st.booleans(),
)
def test_imported_files_load_back_to_the_same_judges(tmp_path_factory, names, data, split):
    folder = tmp_path_factory.mktemp("import")
    definitions = [data.draw(judge_definitions(name)) for name in names]
    files = spec_files_for([remote(d) for d in definitions], split)
    write({folder / file.relative_path: file.text for file in files})
    loaded = load_specs(folder, repo_root=folder)
    assert loaded.problems == ()
    assert [canonical(spec.definition) for spec in loaded.specs] == [
        canonical(d) for d in sorted(definitions, key=lambda d: d.name)
    ]


# The CLI against the emulator: import, then plan shows no changes.

TRICKY = [
    definition("Ünïcödé tone 🎉", description="Émoji 🎉 and ümlauts; 日本語 too."),
    definition("tone", description="trailing spaces   ", instructions="Rate {{ user_message }}   "),
    definition("Tone!", instructions="No final newline: {{ assistant_message }}"),
    definition("team-a/critical x", instructions="Windows\r\nline {{ user_message }}\r\n"),
    definition("tabs", instructions="\tTabbed\n\n\n{{ user_message }}\n\n", tools=["b", "a"]),
    regression("zero-to-one", 0, 1),
    regression("one-to-five", 1, 5),
    regression("signed", -2.5, 2.5),
]


@pytest.fixture
def tricky_workspace(emulator, api_key):
    with JudgesClient(emulator.url, api_key) as client:
        for judge in TRICKY:
            client.create_judge(judge)


@pytest.mark.parametrize("split", [False, True])
def test_import_then_plan_shows_no_changes(repo, run, emulator, tricky_workspace, split):
    flags = ["--split-instructions"] if split else []
    imported = run("import", *flags)
    assert imported.exit_code == 0, imported.output
    files = 13 if split else 8  # with the multi-line prompts in their own files
    assert imported.output.endswith(
        f"Imported 8 judge(s) from {emulator.url} into judges (files: {files} new).\n"
    )
    assert "Wrote judges/tone.yaml\n" in imported.output
    assert "Wrote judges/tone-2.yaml\n" in imported.output  # "tone!" and "tone" collide
    assert ("Wrote judges/prompts/tabs.md\n" in imported.output) is split

    planned = run("plan", "--detailed-exitcode", "judges")
    assert planned.exit_code == 0, planned.output
    assert "No changes." in planned.output


def mtimes(folder: Path) -> dict[str, int]:
    """Every file's modification time, set to a day ago first: a rewrite shows."""
    times = {}
    for path in sorted(folder.rglob("*.yaml")):
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns - DAY_NS))
        times[path.name] = path.stat().st_mtime_ns
    return times


DAY_NS = 86_400 * 10**9


def test_importing_again_an_unchanged_workspace_says_so_in_one_line_and_writes_nothing(
    repo, run, emulator, tricky_workspace
):
    assert run("import").exit_code == 0
    before = mtimes(repo / "judges")

    again = run("import")

    assert again.exit_code == 0, again.output
    assert again.output == (
        f"Imported 8 judge(s) from {emulator.url} into judges (files: 8 unchanged).\n"
    )
    assert {p.name: p.stat().st_mtime_ns for p in (repo / "judges").rglob("*.yaml")} == before


def test_a_judge_changed_remotely_is_refused_by_name_and_updated_alone_with_force(
    repo, run, emulator, api_key, tricky_workspace
):
    assert run("import").exit_code == 0
    with JudgesClient(emulator.url, api_key) as client:
        signed = next(judge for judge in client.list_judges() if judge.name == "signed")
        client.update_judge(signed.id, regression("signed", -3, 3))
    before = mtimes(repo / "judges")

    refused = run("import")

    assert refused.exit_code == 1
    assert refused.output == (
        "Error: Refusing to update 1 spec file(s) whose judge differs from the remote judge;"
        " nothing was written:\n"
        "  judges/signed.yaml\n"
        "Compare them with `judgesync plan`, import into another folder (judgesync import"
        " DIRECTORY), or pass"
        " --force to update them in place (comments and layout are kept).\n"
    )
    assert {p.name: p.stat().st_mtime_ns for p in (repo / "judges").rglob("*.yaml")} == before

    forced = run("import", "--force")

    assert forced.exit_code == 0, forced.output
    assert forced.output == (
        "Updated judges/signed.yaml\n"
        f"Imported 8 judge(s) from {emulator.url} into judges"
        " (files: 1 updated with --force, 7 unchanged).\n"
    )
    after = {p.name: p.stat().st_mtime_ns for p in (repo / "judges").rglob("*.yaml")}
    assert [name for name in after if after[name] != before[name]] == ["signed.yaml"]
    assert "min: -3\n" in (repo / "judges" / "signed.yaml").read_text()


def test_a_refusal_lists_the_first_ten_differing_files_and_counts_the_rest(
    repo, run, emulator, api_key
):
    with JudgesClient(emulator.url, api_key) as client:
        for n in range(50):
            client.create_judge(definition(f"judge-{n:02d}"))
    assert run("import").exit_code == 0
    for path in (repo / "judges").glob("*.yaml"):
        path.write_text(path.read_text().replace("description: ", "description: Edited. ", 1))

    refused = run("import")

    assert refused.exit_code == 1
    listed = [line for line in refused.output.splitlines() if line.startswith("  judges/")]
    assert listed == [f"  judges/judge-{n:02d}.yaml" for n in range(10)]
    assert "\n  and 40 more\n" in refused.output
    assert "Refusing to update 50 spec file(s)" in refused.output


def test_import_filters_by_query_and_name_into_the_chosen_folder(repo, run, tricky_workspace):
    result = run("import", "--query", "ÉMOJI", "--name", "signed", "picked")
    assert result.exit_code == 0, result.output
    assert result.output == "No remote judge matches; nothing was written.\n"

    result = run("import", "--query", "émoji", "picked")
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (repo / "picked").iterdir()) == ["ünïcödé-tone.yaml"]


def test_import_takes_only_owned_judges_into_the_configured_specs(repo, run, tricky_workspace):
    (repo / "judgesync.yaml").write_text(
        'specs: evaluation\nownership:\n  names: ["team-a/*", "one-*"]\n'
    )
    result = run("import")
    assert result.exit_code == 0, result.output
    written = sorted(path.name for path in (repo / "evaluation").iterdir())
    assert written == ["one-to-five.yaml", "team-a-critical-x.yaml"]
    assert "into evaluation (files: 2 new).\n" in result.output


def test_import_writes_nothing_and_says_what_to_fix_when_a_judge_breaks_the_spec_rules(
    repo, run, emulator, api_key
):
    with JudgesClient(emulator.url, api_key) as client:
        client.create_judge(definition("typo", instructions="{{ asistant_message }}"))
    result = run("import")
    assert result.exit_code == 1
    assert "Wrote" not in result.output
    assert not (repo / "judges").exists()
    assert "judges/typo.yaml:4: instructions: unknown template variable" in result.output
    assert (
        "1 problem(s) in judges as the import would leave it, so nothing was written: the"
        " remote judges hold what the spec rules refuse" in result.output
    )


def test_import_help_has_an_example():
    result = CliRunner().invoke(cli, ["import", "--help"])
    assert result.exit_code == 0
    assert "  Example:\n    judgesync import judges/\n" in result.output


def test_import_reads_a_named_target_with_its_own_key_and_notes_model_overrides(
    repo, emulator, api_key, tricky_workspace, monkeypatch
):
    monkeypatch.setenv("MISTRAL_API_KEY_STAGING", api_key)
    (repo / "judgesync.yaml").write_text(
        "targets:\n"
        "  staging:\n"
        f"    api_url: {emulator.url}\n"
        "    api_key_env: MISTRAL_API_KEY_STAGING\n"
        "    model_overrides: {mistral-large-latest: mistral-small-latest}\n"
        "default_target: staging\n"
    )
    result = CliRunner().invoke(cli, ["import", "--name", "signed"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Wrote judges/signed.yaml\n"
        f"Imported 1 judge(s) from staging: {emulator.url} into judges (files: 1 new).\n"
        "Note: this target overrides models (mistral-large-latest -> mistral-small-latest);"
        " the specs name the models as the target runs them. Edit model_name where the"
        " specs should name the original.\n"
    )


def test_import_names_the_ownership_scope_when_it_leaves_every_judge_out(
    repo, run, tricky_workspace
):
    (repo / "judgesync.yaml").write_text('ownership:\n  names: ["team-b/*"]\n')
    result = run("import")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "None of the 8 remote judge(s) lies inside the ownership scope of judgesync.yaml"
        " (team-b/*); nothing was written. Widen ownership.names to import them.\n"
    )
    assert not (repo / "judges").exists()


def test_import_writes_into_the_directory_argument_like_every_other_command(
    repo, run, tricky_workspace
):
    result = run("import", "--query", "émoji", "picked")
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (repo / "picked").iterdir()) == ["ünïcödé-tone.yaml"]
    assert not (repo / "judges").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # The old form is pointed to the new one, not offered `--only` by click's guess.
        (
            ["--out", "picked"],
            "import takes the folder as its argument now: judgesync import picked",
        ),
        (["--q", "tone"], "No such option '--q'. Did you mean '--query'?\n"),
    ],
)
def test_the_old_import_options_are_usage_errors_naming_the_new_form(
    repo, run, tricky_workspace, args, message
):
    result = run("import", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert not (repo / "picked").exists() and not (repo / "judges").exists()
