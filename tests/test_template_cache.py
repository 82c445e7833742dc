import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judgesync.specs import template_cache, templates
from judgesync.specs.loader import load_specs
from judgesync.specs.template_cache import TemplateChecks, cache_file

# Pieces of prompts: prose, prints of platform variables and of others,
# blocks opened and closed (or not), comments, and broken tags.
PIECES = [
    "Judge the answer.\n",
    "{{ user_message }}",
    "{{ properties.locale }}",
    "{{ usr_message }}",
    "{{ line }}",
    "{% if assistant_message %}",
    "{% if properties.vip %}",
    "{% else %}",
    "{% endif %}",
    "{% for line in conversation_history %}",
    "{% endfor %}",
    "{% set line = 'x' %}",
    "{# a comment #}",
    "{{ user_message | upper }}",
    "{% if %}",
    "{{ unclosed",
    "}}",
    "\n",
]
prompts = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


@settings(max_examples=200)
@given(st.lists(prompts, min_size=1, max_size=5))
def test_cached_answers_are_the_fresh_ones(tmp_path_factory, sources):
    path = tmp_path_factory.mktemp("cache") / ".judgesync" / "template-checks.json"
    cold = TemplateChecks(path)
    assert [cold.check(source) for source in sources] == [templates.check(s) for s in sources]
    cold.save()
    warm = TemplateChecks(path)
    assert [warm.check(source) for source in sources] == [templates.check(s) for s in sources]


def test_a_warm_cache_answers_without_parsing(tmp_path, monkeypatch):
    path = tmp_path / "template-checks.json"
    source = "{% if user_message %}{{ usr_message }}{% endif %}"
    cold = TemplateChecks(path)
    expected = cold.check(source)
    cold.save()

    def no_parse(source: str) -> templates.TemplateCheck:
        raise AssertionError("parsed a template the cache holds")

    monkeypatch.setattr(templates, "check", no_parse)
    assert TemplateChecks(path).check(source) == expected
    assert expected.unknown_variables == ("usr_message",)


def test_prompts_without_blocks_are_neither_parsed_nor_stored(tmp_path):
    path = tmp_path / "template-checks.json"
    checks = TemplateChecks(path)
    assert checks.check("{{ user_message }}\n{{ properties.x }}") == templates.check(
        "{{ user_message }}"
    )
    checks.save()
    assert not path.exists()


def test_a_run_that_adds_no_answer_leaves_the_file_alone(tmp_path):
    path = tmp_path / "template-checks.json"
    cold = TemplateChecks(path)
    cold.check("{% if user_message %}yes{% endif %}")
    cold.save()
    written = path.stat().st_mtime_ns, path.read_bytes()
    warm = TemplateChecks(path)
    warm.check("{% if user_message %}yes{% endif %}")
    warm.save()
    assert (path.stat().st_mtime_ns, path.read_bytes()) == written


def stored(path: Path, source: str, answer: object, fingerprint: str | None = None) -> None:
    """Write a cache file holding `answer` for `source`."""
    key = template_cache.hashlib.sha256(source.encode()).hexdigest()
    document = {
        "format": 1,
        "fingerprint": fingerprint or template_cache._fingerprint(),
        "checks": {key: answer},
    }
    path.write_text(json.dumps(document))


SOURCE = "{% if user_message %}{{ user_message }}{% endif %}"
LIE = {"syntax": {"line": 3, "message": "planted"}, "unknown_variables": []}


def test_the_cache_is_what_it_stores_under_its_fingerprint(tmp_path):
    # The check behind the other tests: a planted answer is served as stored.
    path = tmp_path / "template-checks.json"
    stored(path, SOURCE, LIE)
    assert TemplateChecks(path).check(SOURCE).syntax == templates.TemplateSyntaxProblem(
        3, "planted"
    )


@pytest.mark.parametrize(
    ("answer", "fingerprint"),
    [
        (LIE, "another jinja or another check"),
        ({"syntax": {"line": "3", "message": "planted"}, "unknown_variables": []}, None),
        ({"syntax": {"line": True, "message": "planted"}, "unknown_variables": []}, None),
        ({"syntax": None, "unknown_variables": "usr_message"}, None),
        ({"syntax": None}, None),
        ("not an answer", None),
    ],
)
def test_a_stale_or_malformed_cache_is_ignored(tmp_path, answer, fingerprint):
    path = tmp_path / "template-checks.json"
    stored(path, SOURCE, answer, fingerprint)
    assert TemplateChecks(path).check(SOURCE) == templates.check(SOURCE)


@pytest.mark.parametrize("content", ["", "{", "[]", '{"format": 2}', "\xff"])
def test_a_cache_file_that_does_not_read_is_ignored(tmp_path, content):
    path = tmp_path / "template-checks.json"
    path.write_text(content, encoding="latin-1")
    assert TemplateChecks(path).check(SOURCE) == templates.check(SOURCE)


def test_a_cache_that_cannot_be_written_changes_nothing(tmp_path):
    (tmp_path / ".judgesync").write_text("a file where the folder would go")
    checks = TemplateChecks(tmp_path / ".judgesync" / "template-checks.json")
    assert checks.check(SOURCE) == templates.check(SOURCE)
    checks.save()
    assert (tmp_path / ".judgesync").read_text() == "a file where the folder would go"
    assert list(tmp_path.iterdir()) == [tmp_path / ".judgesync"]


def test_the_cache_folder_is_ignored_by_git(tmp_path):
    checks = TemplateChecks(tmp_path / ".judgesync" / "template-checks.json")
    checks.check(SOURCE)
    checks.save()
    assert (tmp_path / ".judgesync" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_the_cache_lives_beside_judgesync_yaml_else_at_the_git_root_else_here(tmp_path):
    deep = tmp_path / "repo" / "team" / "judges"
    deep.mkdir(parents=True)
    assert cache_file(deep) == deep / ".judgesync" / "template-checks.json"
    (tmp_path / "repo" / ".git").mkdir()
    assert cache_file(deep) == tmp_path / "repo" / ".judgesync" / "template-checks.json"
    (tmp_path / "repo" / "team" / "judgesync.yaml").write_text("specs: judges\n")
    assert cache_file(deep) == tmp_path / "repo" / "team" / ".judgesync" / "template-checks.json"
    # Above the git root is another repository's business.
    (tmp_path / "judgesync.yaml").write_text("specs: judges\n")
    (tmp_path / "repo" / "team" / "judgesync.yaml").unlink()
    assert cache_file(deep) == tmp_path / "repo" / ".judgesync" / "template-checks.json"


def test_loading_specs_twice_gives_the_same_problems_without_parsing(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    specs = tmp_path / "judges"
    specs.mkdir()
    bodies = {
        "good": "{% if properties.vip %}VIP{% endif %}{{ assistant_message }}",
        "unknown": "{% for line in conversation_history %}{{ lien }}{% endfor %}",
        "broken": "{% if user_message %}never closed",
    }
    for name, instructions in bodies.items():
        (specs / f"{name}.yaml").write_text(
            f"name: {name}\ndescription: A judge.\nmodel_name: mistral-small-latest\n"
            f"instructions: {json.dumps(instructions)}\n"
            "output:\n  type: REGRESSION\n  min: 1\n  min_description: Low.\n"
            "  max: 5\n  max_description: High.\n"
        )
    monkeypatch.chdir(tmp_path)
    cold = load_specs(specs)
    assert len(cold.problems) == 2
    assert (tmp_path / ".judgesync" / "template-checks.json").is_file()

    def no_parse(source: str) -> templates.TemplateCheck:
        raise AssertionError("parsed a template the cache holds")

    monkeypatch.setattr(templates, "check", no_parse)
    assert load_specs(specs) == cold
