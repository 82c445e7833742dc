from pathlib import Path

import pytest
from pydantic import ValidationError

from judgesync.errors import ConfigError, ConfigFileError, Problem
from judgesync.repository import CONFIG_FILE, find_config
from judgesync.settings.config import Config, TargetConfig, load_config
from judgesync.settings.policy import Choices, Policy

DATA = Path(__file__).parent / "data" / "config"


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(ConfigFileError) as raised:
        load_config(path)
    return raised.value.problems


def write_config(folder: Path, text: str) -> Path:
    path = folder / CONFIG_FILE
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_the_defaults():
    config = load_config(None)
    assert config == Config()
    assert (config.spec_directory, config.owned_names, config.prune, config.max_deletes) == (
        Path("judges"),
        None,
        False,
        5,
    )
    assert (config.protect, dict(config.targets), config.default_target, config.path) == (
        [],
        {},
        None,
        None,
    )


def test_the_issue_example_loads_into_plain_values():
    path = DATA / "example.yaml"
    config = load_config(path)
    assert config.spec_directory == DATA / "judges"
    assert config.owned_names == ("team-a/*",)
    assert (config.prune, config.max_deletes) == (False, 5)
    assert config.protect == ["team-a/critical-*"]
    assert config.breaking_changes == "require_ack"
    assert dict(config.targets) == {
        "staging": TargetConfig(
            api_url="https://api.mistral.ai",
            api_key_env="MISTRAL_API_KEY_STAGING",
            model_overrides={"mistral-large-latest": "mistral-small-latest"},
        ),
        "prod": TargetConfig(api_url="https://api.mistral.ai", api_key_env="MISTRAL_API_KEY_PROD"),
    }
    assert config.default_target == "prod"
    assert config.path == path


def test_an_empty_file_gives_the_defaults_with_its_path(tmp_path):
    path = write_config(tmp_path, "# nothing set yet\n")
    config = load_config(path)
    assert (config.spec_directory, config.path) == (tmp_path / "judges", path)
    defaults = Config()
    assert all(getattr(config, key) == getattr(defaults, key) for key in Config.model_fields)


def test_specs_is_relative_to_the_file_not_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    path = write_config(tmp_path, "specs: evaluation/judges\n")
    assert load_config(path).spec_directory == tmp_path / "evaluation" / "judges"


def test_the_loaded_config_cannot_be_changed():
    config = load_config(DATA / "example.yaml")
    with pytest.raises(TypeError):
        config.targets["dev"] = config.targets["prod"]  # type: ignore[index]
    with pytest.raises(TypeError):
        config.targets["staging"].model_overrides["x"] = "y"  # type: ignore[index]
    with pytest.raises(ValidationError, match="frozen"):
        config.prune = True  # type: ignore[misc]


def test_a_local_target_needs_no_key_variable(tmp_path):
    config = load_config(write_config(tmp_path, "targets:\n  dev:\n    api_url: local\n"))
    dev = config.targets["dev"]
    assert (dev.api_url, dev.key_env, dict(dev.model_overrides)) == ("local", "MISTRAL_API_KEY", {})
    assert dev.is_local


def test_target_by_name_else_the_default_else_none():
    config = load_config(DATA / "example.yaml")
    assert config.target("staging") == ("staging", config.targets["staging"])
    assert config.target(None) == ("prod", config.targets["prod"])
    assert Config().target(None) is None


def test_an_unknown_target_names_the_known_ones():
    config = load_config(DATA / "example.yaml")
    with pytest.raises(ConfigError) as raised:
        config.target("stagng")
    message = str(raised.value)
    assert "There is no target 'stagng'" in message
    assert "did you mean 'staging'?" in message
    assert message.endswith("the targets are: prod, staging.")


def test_asking_for_a_target_when_none_is_defined_says_so():
    with pytest.raises(ConfigError, match="defines no targets"):
        Config().target("prod")


# file under tests/data/config, line, part of the message
BROKEN_CASES = [
    ("yaml-syntax.yaml", 2, "invalid YAML: mapping values are not allowed"),
    ("duplicate-key.yaml", 3, "duplicate key 'specs' (lines 1 and 3)"),
    ("not-utf8.yaml", 2, "not UTF-8 (byte 0xe9)"),
    ("top-level-list.yaml", 1, "must be a mapping of settings (it holds a list)"),
    ("unknown-key.yaml", 1, "unknown key 'spec'; did you mean 'specs'?"),
    ("unknown-target-key.yaml", 4, "unknown key 'api_key' in 'targets.prod'; did you mean"),
    ("unknown-ownership-key.yaml", 2, "unknown key 'name' in 'ownership'; did you mean 'names'?"),
    ("prune-not-boolean.yaml", 2, "prune: must be true or false, got text ('false')"),
    ("max-deletes-not-integer.yaml", 1, "max_deletes: must be a whole number, got a number (2.5)"),
    ("max-deletes-boolean.yaml", 1, "max_deletes: must be a whole number, got a boolean (true)"),
    ("max-deletes-negative.yaml", 2, "max_deletes: must be 0 or more, got -1"),
    (
        "breaking-changes-unknown.yaml",
        1,
        "breaking_changes: must be 'warn' or 'require_ack', got text ('ack')",
    ),
    (
        "on-inconclusive-unknown.yaml",
        3,
        "gates.on_inconclusive: must be 'fail' or 'warn', got text ('maybe')",
    ),
    ("protect-not-list.yaml", 1, "protect: must be a list, got text ('team-a/*')"),
    ("protect-empty-glob.yaml", 3, "protect[1]: is empty; write a name or a glob"),
    ("ownership-empty.yaml", 2, "ownership.names: is empty, so nothing would be owned"),
    ("ownership-glob-not-text.yaml", 4, "ownership.names[1]: must be text, got a number (42)"),
    ("ownership-names-without-value.yaml", 2, "ownership.names: has no value"),
    ("default-target-unknown.yaml", 5, "'staging' is not one of the targets; define it"),
    ("default-target-misspelt.yaml", 5, "'prd' is not one of the targets; did you mean 'prod'?"),
    ("default-target-without-targets.yaml", 1, "'prod' is not defined; add it under 'targets:'"),
    ("api-url-not-http.yaml", 3, "'api.mistral.ai' does not start with http:// or https://."),
    ("api-url-missing.yaml", 2, "targets.prod.api_url: field required"),
    ("api-key-env-missing.yaml", 2, "field 'api_key_env' required for a remote target"),
    ("api-key-env-not-a-name.yaml", 4, "api_key_env: must name the environment variable"),
    ("model-overrides-not-mapping.yaml", 5, "model_overrides: must be a mapping"),
    ("model-override-empty.yaml", 6, "mistral-large-latest: is empty; name the model"),
    ("target-not-mapping.yaml", 2, "targets.prod: must be a mapping of keys to values"),
    ("target-name-not-text.yaml", 2, "targets: the key 1 is not text; put it in quotes"),
    ("specs-empty.yaml", 1, "specs: is empty; name the folder of spec files"),
    ("specs-not-text.yaml", 1, "specs: must be text, got a number (3); put it in quotes"),
]


@pytest.mark.parametrize(("file", "line", "message"), BROKEN_CASES)
def test_each_broken_file_gets_one_problem_at_its_line(file, line, message):
    problems = problems_of(DATA / file)
    assert len(problems) == 1, problems
    assert Path(problems[0].path).resolve() == DATA / file
    assert problems[0].line == line
    assert message in problems[0].message


def test_every_problem_in_a_file_is_reported_in_line_order(tmp_path):
    path = write_config(tmp_path, "prune: 1\nmax_deletes: -3\ntarget: {}\ndefault_target: prod\n")
    assert [(p.line, p.message.split(":")[0]) for p in problems_of(path)] == [
        (1, "prune"),
        (2, "max_deletes"),
        (3, "unknown key 'target'; did you mean 'targets'?"),
        (4, "default_target"),
    ]


def test_a_key_pasted_in_place_of_its_variable_name_is_not_shown(tmp_path):
    pasted = "sk-Zq81fakeKeyForTests"
    text = f"targets:\n  prod:\n    api_url: https://api.mistral.ai\n    api_key_env: {pasted}\n"
    problems = problems_of(write_config(tmp_path, text))
    assert len(problems) == 1
    assert pasted not in str(problems[0])


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path):
    problems = problems_of(tmp_path / CONFIG_FILE)
    assert problems[0].message == "the file does not exist; check the path"


def test_find_config_looks_in_the_start_folder_and_its_ancestors_up_to_the_repo(tmp_path):
    (tmp_path / ".git").mkdir()
    path = write_config(tmp_path, "prune: false\n")
    nested = tmp_path / "judges" / "team-a"
    nested.mkdir(parents=True)
    assert find_config(nested) == path
    assert find_config(tmp_path) == path


def test_find_config_stops_at_the_repository_root(tmp_path):
    write_config(tmp_path, "prune: false\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "judges").mkdir()
    assert find_config(repo / "judges") is None


def test_outside_a_repository_only_the_start_folder_is_searched(tmp_path):
    write_config(tmp_path, "prune: false\n")
    (tmp_path / "sub").mkdir()
    assert find_config(tmp_path / "sub") is None
    assert find_config(tmp_path) == tmp_path / CONFIG_FILE


ADOPTING = (Path(__file__).parent.parent / "docs" / "adopting.md").read_text(encoding="utf-8")


def test_the_documented_example_is_the_tested_example():
    reference = ADOPTING.split("## `judgesync.yaml` reference")[1]
    documented = reference.split("```yaml\n")[1].split("```")[0]
    assert documented == (DATA / "example.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "key",
    [
        "specs",
        "ownership",
        "ownership.names",
        "prune",
        "max_deletes",
        "protect",
        "breaking_changes",
        "targets",
        "targets.NAME.api_url",
        "targets.NAME.api_key_env",
        "targets.NAME.model_overrides",
        "default_target",
    ],
)
def test_every_key_has_a_row_in_the_documented_reference(key):
    assert f"\n| `{key}` |" in ADOPTING


def test_problems_name_a_found_file_relative_to_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    write_config(tmp_path, "prune: 1\n")
    (tmp_path / "judges").mkdir()
    monkeypatch.chdir(tmp_path)
    found = find_config(tmp_path / "judges")
    assert found == tmp_path / CONFIG_FILE
    assert [str(problem) for problem in problems_of(found)] == [
        "judgesync.yaml:1: prune: must be true or false, got a number (1)"
    ]


def test_a_key_without_value_hides_neither_an_unknown_key_nor_a_wrong_type(tmp_path):
    path = write_config(tmp_path, "protect:\nprun: true\nmax_deletes: five\n")
    assert [(p.line, p.message) for p in problems_of(path)] == [
        (1, "protect: has no value; write one or remove the key"),
        (2, "unknown key 'prun'; did you mean 'prune'?"),
        (3, "max_deletes: must be a whole number, got text ('five')"),
    ]


def test_a_duplicate_key_hides_no_other_problem_of_the_file(tmp_path):
    path = write_config(tmp_path, "prune: true\nprune: false\nprotec: [a]\n")
    assert [(p.line, p.message) for p in problems_of(path)] == [
        (2, "duplicate key 'prune' (lines 1 and 2); keep one"),
        (3, "unknown key 'protec'; did you mean 'protect'?"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "traffic:\n  judges:\n    tone:\n      filter: ''\n",
            4,
            "traffic.judges.tone.filter: is empty",
        ),
        (
            "traffic:\n  judges:\n    tone:\n      filter: '{ }'\n      sample: 0\n",
            5,
            "sample: must be 1 or more, got 0",
        ),
        ("traffic:\n  judges:\n    tone:\n      sample: 3\n", 3, "filter"),
        (
            "traffic:\n  judges:\n    tone:\n      filter: '{ }'\n      size: 3\n",
            5,
            "unknown key 'size'",
        ),
    ],
)
def test_traffic_selectors_are_checked_at_their_line(tmp_path, text, line, message):
    (problem,) = problems_of(write_config(tmp_path, text))
    assert problem.line == line and message in problem.message


def test_traffic_selectors_load_by_judge(tmp_path):
    text = "traffic:\n  judges:\n    tone:\n      filter: '{ }'\n      sample: 3\n"
    config = load_config(write_config(tmp_path, text))
    assert dict(config.traffic.selectors()) == {"tone": ("{ }", 3)}


def test_review_max_judgements_reaches_the_policy(tmp_path):
    config = load_config(write_config(tmp_path, "review:\n  max_judgements: 500\n"))
    assert Policy.resolve(config, Choices()).max_judgements == 500
    assert Policy.resolve(load_config(None), Choices()).max_judgements is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("review:\n  max_judgements: 0\n", "review.max_judgements: must be 1 or more, got 0"),
        ("review:\n  max_judgements: -3\n", "review.max_judgements: must be 1 or more, got -3"),
        ("review:\n  max_judgement: 5\n", "unknown key 'max_judgement' in 'review'"),
        ("review:\n  max_judgements: '5'\n", "review.max_judgements"),
        ("review:\n  max_judgements: true\n", "review.max_judgements"),
        ("review:\n  max_judgements: 2.5\n", "review.max_judgements"),
    ],
)
def test_a_bad_review_budget_is_one_problem_at_its_line(tmp_path, text, message):
    (problem,) = problems_of(write_config(tmp_path, text))
    assert problem.line == 2
    assert message in problem.message
