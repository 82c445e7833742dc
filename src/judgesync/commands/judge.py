"""`judge`'s core: one remote judge's verdict on one conversation read from files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from judgesync.commands.setup import list_judges, resolve
from judgesync.errors import ConfigError, Problem, SpecError
from judgesync.names import is_shadow
from judgesync.progress import SILENT, Progress
from judgesync.remote.connect import open_client
from judgesync.settings.policy import Choices
from judgesync.specs import yamlio
from judgesync.specs.cases_loader import ROLES, required_properties
from judgesync.specs.problems import did_you_mean
from judgesync.specs.textfile import read_text


def try_judge(
    choices: Choices,
    environ: Mapping[str, str],
    workdir: Path,
    name: str,
    request: Mapping[str, Any],
    progress: Progress = SILENT,
) -> tuple[str, dict[str, Any]]:
    """The remote judge `name`'s verdict on one conversation: (target label, JudgeOutput).
    Finding the judge lists the workspace: that is what `progress` sees."""
    settings = resolve(choices, environ, workdir)
    with open_client(settings.target, workdir, 1) as client:
        listed = list_judges(client, progress)
        judges = {judge.name: judge for judge in listed if not is_shadow(judge.name)}
        judge = judges.get(name)
        if judge is None:
            hint = did_you_mean(name, frozenset(judges))
            raise ConfigError(
                f"No remote judge is named {name!r}; {hint}names are matched exactly."
                " Apply its spec first, or list the judges with `judgesync plan`."
            )
        _refuse_missing_properties(judge.name, required_properties(judge), request)
        return settings.target.label, client.live_judge(judge.id, request)


def _refuse_missing_properties(
    name: str, required: frozenset[str], request: Mapping[str, Any]
) -> None:
    """As `test` and `validate` refuse a case without them: they would render as empty text."""
    missing = sorted(required - (request.get("properties") or {}).keys())
    if missing:
        listed = ", ".join(f"properties.{key}" for key in missing)
        raise ConfigError(
            f"The instructions of {name!r} read {listed}, which the conversation does not set"
            " (it would render as empty text); pass them with --properties FILE."
        )


def read_conversation(messages_file: Path, properties_file: Path | None) -> dict[str, Any]:
    """A live-judging request from a messages file (a list of messages, JSON or YAML)
    and an optional properties file (a mapping). Raises SpecError for a bad file."""
    messages = _read_data(messages_file)
    if (
        not isinstance(messages, list)
        or not messages
        or not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages)
    ):
        raise _file_error(
            messages_file,
            "must hold a non-empty list of messages, each a mapping with 'role' and"
            " 'content', e.g. [{role: user, content: Hi}]",
        )
    wrong_roles = [
        Problem(
            str(messages_file),
            f"messages[{index}].role: {message['role']!r} is not a role;"
            f" {did_you_mean(message['role'], frozenset(ROLES))}use one of {', '.join(ROLES)}",
        )
        for index, message in enumerate(messages)
        if message["role"] not in ROLES
    ]
    if wrong_roles:
        raise _conversation_error(wrong_roles)
    properties = _read_data(properties_file) if properties_file is not None else None
    if properties_file is not None and not isinstance(properties, dict):
        raise _file_error(properties_file, "must hold a mapping of properties, e.g. {locale: en}")
    return {"messages": messages, "properties": properties}


def _read_data(path: Path) -> Any:
    shown = str(path)
    try:
        return yamlio.load_document(read_text(path, shown), shown).data
    except SpecError as error:
        raise _conversation_error(error.problems) from None


def _file_error(path: Path, message: str) -> SpecError:
    return _conversation_error([Problem(str(path), message)])


def _conversation_error(problems: list[Problem]) -> SpecError:
    error = SpecError(problems)
    error.source = "the conversation files"
    return error
