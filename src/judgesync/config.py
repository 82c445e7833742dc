"""`judgesync.yaml`: the optional repository settings.

Where the specs live, which remote judges this repository owns, the guards on
deletion, and named targets. The file is checked with the same care as spec
files: unknown keys, wrong types and bad values are each a `Problem` at its
line, all raised together as one `SpecError`. Without a file, `load_config`
returns the defaults. The format is documented in docs/adopting.md.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from judgesync.errors import ConfigError, Problem, SpecError
from judgesync.names import matches_any
from judgesync.specs import yamlio
from judgesync.specs.specfile import describe, did_you_mean, dotted
from judgesync.specs.textfile import read_text

CONFIG_FILE = "judgesync.yaml"
DEFAULT_SPECS = "judges"
DEFAULT_MAX_DELETES = 5
LOCAL = "local"
# Local targets need no real key: the embedded emulator falls back to a shared one.
LOCAL_KEY_ENV = "MISTRAL_API_KEY"
# Upper case by convention; it also keeps a pasted key from passing for a name.
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")

KeyPath = tuple[Hashable, ...]


@dataclass(frozen=True)
class TargetConfig:
    """A named remote: where it is, which variable holds its key, model swaps."""

    name: str
    api_url: str
    api_key_env: str
    model_overrides: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_local(self) -> bool:
        return self.api_url == LOCAL


@dataclass(frozen=True)
class Config:
    """The settings of one repository; `path` is None when no file exists."""

    specs: Path = Path(DEFAULT_SPECS)
    ownership: tuple[str, ...] | None = None
    prune: bool = False
    max_deletes: int = DEFAULT_MAX_DELETES
    protect: tuple[str, ...] = ()
    targets: Mapping[str, TargetConfig] = field(default_factory=lambda: MappingProxyType({}))
    default_target: str | None = None
    path: Path | None = None

    def owns(self, name: str) -> bool:
        """Whether the judge `name` lies inside the ownership scope."""
        return self.ownership is None or matches_any(name, self.ownership)

    def protects(self, name: str) -> bool:
        """Whether the judge `name` must never be deleted."""
        return matches_any(name, self.protect)

    def target(self, name: str | None) -> TargetConfig | None:
        """The target called `name`, else the default target, else None.

        Raises ConfigError, listing the known targets, for an unknown name.
        """
        chosen = name if name is not None else self.default_target
        if chosen is None:
            return None
        found = self.targets.get(chosen)
        if found is not None:
            return found
        where = self.path if self.path is not None else CONFIG_FILE
        if not self.targets:
            raise ConfigError(
                f"There is no target {chosen!r}: {where} defines no targets."
                " Add it under 'targets:', or pass --api-url instead."
            )
        known = ", ".join(sorted(self.targets))
        hint = did_you_mean(chosen, frozenset(self.targets))
        raise ConfigError(
            f"There is no target {chosen!r} in {where}; {hint}the targets are: {known}."
        )


def find_config(start: Path) -> Path | None:
    """`judgesync.yaml` in `start` or its nearest ancestor up to the repository root.

    The repository root is the nearest directory holding `.git`; outside a
    repository only `start` itself is looked at.
    """
    start = start.resolve()
    ancestors = (start, *start.parents)
    roots = [index for index, folder in enumerate(ancestors) if (folder / ".git").exists()]
    searched = ancestors[: roots[0] + 1] if roots else ancestors[:1]
    for folder in searched:
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None) -> Config:
    """The settings in `path`, or the defaults for None.

    Raises SpecError listing every problem, each at its line when known.
    """
    if path is None:
        return Config()
    below_cwd = path.is_absolute() and path.is_relative_to(Path.cwd())
    shown = str(path.relative_to(Path.cwd()) if below_cwd else path)
    document = yamlio.load_document(read_text(path, shown), shown)
    data = {} if document.data is None else document.data
    if not isinstance(data, dict):
        message = f"{CONFIG_FILE} must be a mapping of settings (it holds {describe(data)})"
        raise SpecError([Problem(shown, message, document.lines[()])])
    findings = list(_null_findings(data, ()))
    if not findings:
        model, findings = _validate(data)
        findings += _value_findings(data)
        if model is not None and not findings:
            return _config(model, path)
    problems = [Problem(shown, message, _line_of(document, at)) for at, message in findings]
    raise SpecError(sorted(problems, key=lambda problem: problem.line or 0))


def _line_of(document: yamlio.Document, at: KeyPath) -> int:
    while at not in document.lines:
        at = at[:-1]
    return document.lines[at]


# The file's schema. Strict: YAML's numbers and booleans are never turned into text.
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _OwnershipSchema(_Strict):
    names: list[str] | None = None


class _TargetSchema(_Strict):
    api_url: str
    api_key_env: str | None = None
    model_overrides: dict[str, str] = Field(default_factory=dict)


class _ConfigSchema(_Strict):
    specs: str = DEFAULT_SPECS
    ownership: _OwnershipSchema = Field(default_factory=_OwnershipSchema)
    prune: bool = False
    max_deletes: int = DEFAULT_MAX_DELETES
    protect: list[str] = Field(default_factory=list)
    targets: dict[str, _TargetSchema] = Field(default_factory=dict)
    default_target: str | None = None


_EXPECTED = {
    "string_type": "text",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
}
Finding = tuple[KeyPath, str]


def _fields_at(parent: KeyPath) -> tuple[str, ...]:
    if parent == ():
        return tuple(_ConfigSchema.model_fields)
    if parent == ("ownership",):
        return tuple(_OwnershipSchema.model_fields)
    if len(parent) == 2 and parent[0] == "targets":
        return tuple(_TargetSchema.model_fields)
    return ()


def _null_findings(data: Any, at: KeyPath) -> Iterator[Finding]:
    """Every key written without a value: never a way to say "the default"."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        where = (*at, key)
        if value is None:
            yield where, f"{dotted(where)}: has no value; write one or remove the key"
        elif isinstance(value, dict | list):
            yield from _null_findings(value, where)


def _validate(data: dict[Hashable, Any]) -> tuple[_ConfigSchema | None, list[Finding]]:
    try:
        return _ConfigSchema.model_validate(data), []
    except ValidationError as error:
        return None, _schema_findings(error.errors())


def _schema_findings(errors: list[ErrorDetails]) -> list[Finding]:
    # A missing field is not reported when an unknown key next to it probably misspells it.
    misspelt: set[KeyPath] = set()
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "extra_forbidden":
            # did_you_mean's own matching: the same choice the message names.
            for guess in difflib.get_close_matches(str(loc[-1]), _fields_at(loc[:-1]), n=1):
                misspelt.add((*loc[:-1], guess))
    return [
        (_without_key_marker(tuple(error["loc"])), _schema_message(tuple(error["loc"]), error))
        for error in errors
        if not (error["type"] == "missing" and tuple(error["loc"]) in misspelt)
    ]


def _without_key_marker(loc: KeyPath) -> KeyPath:
    """pydantic marks a bad mapping key as `(..., key, "[key]")`."""
    return loc[:-1] if loc[-1:] == ("[key]",) else loc


def _schema_message(loc: KeyPath, error: ErrorDetails) -> str:
    kind, value = error["type"], error.get("input")
    where, parent = dotted(loc), dotted(loc[:-1])
    if loc[-1:] == ("[key]",):
        return f"{dotted(loc[:-1])}: the name {loc[-2]!r} is not text; put it in quotes"
    if kind == "missing":
        return f"{where}: field required; add '{loc[-1]}:' under '{parent}'"
    if kind == "extra_forbidden":
        fields = _fields_at(loc[:-1])
        hint = did_you_mean(str(loc[-1]), frozenset(fields)).strip()
        inside = f" in '{parent}'" if loc[:-1] else ""
        return f"unknown key {loc[-1]!r}{inside}; {hint or 'allowed keys: ' + ', '.join(fields)}"
    expected = _EXPECTED.get(kind)
    if expected is None:
        return f"{where}: {error['msg']}"
    # Never show the value of a key variable's name: it may be a pasted key.
    got = "" if loc[-1:] == ("api_key_env",) else f", got {describe(value)}"
    quote = "; put it in quotes" if kind == "string_type" and isinstance(value, int | float) else ""
    return f"{where}: must be {expected}{got}{quote}"


def _value_findings(data: dict[Hashable, Any]) -> list[Finding]:
    """The rules the schema cannot say, on whichever values have the right type."""
    findings: list[Finding] = []
    specs = data.get("specs")
    if isinstance(specs, str) and not specs.strip():
        findings.append((("specs",), "specs: is empty; name the folder of spec files"))
    max_deletes = data.get("max_deletes")
    if isinstance(max_deletes, int) and not isinstance(max_deletes, bool) and max_deletes < 0:
        message = f"max_deletes: must be 0 or more, got {max_deletes}"
        findings.append((("max_deletes",), message))
    ownership = data.get("ownership")
    if isinstance(ownership, dict) and ownership.get("names") == []:
        message = (
            "ownership.names: is empty, so nothing would be owned; list at least one"
            " glob, or remove 'ownership' to own the whole workspace"
        )
        findings.append((("ownership", "names"), message))
    if isinstance(ownership, dict):
        findings += _glob_findings(ownership.get("names"), ("ownership", "names"))
    findings += _glob_findings(data.get("protect"), ("protect",))
    targets = data.get("targets")
    if isinstance(targets, dict):
        for name, target in targets.items():
            findings += _target_findings(name, target)
    findings += _default_target_findings(data.get("default_target"), targets)
    return findings


def _glob_findings(patterns: Any, at: KeyPath) -> Iterator[Finding]:
    if not isinstance(patterns, list):
        return
    for index, pattern in enumerate(patterns):
        if isinstance(pattern, str) and not pattern.strip():
            where = (*at, index)
            yield where, f"{dotted(where)}: is empty; write a name or a glob such as 'team-a/*'"


def _target_findings(name: Hashable, target: Any) -> Iterator[Finding]:
    at: KeyPath = ("targets", name)
    if isinstance(name, str) and not name.strip():
        yield at, "targets: a target name is empty; give it a name such as 'prod'"
    if not isinstance(target, dict):
        return
    url = target.get("api_url")
    if isinstance(url, str) and url != LOCAL and not url.startswith(("http://", "https://")):
        message = (
            f"{dotted((*at, 'api_url'))}: {url!r} is neither 'local' nor an http(s) URL;"
            " write e.g. https://api.mistral.ai"
        )
        yield (*at, "api_url"), message
    env = target.get("api_key_env")
    where = dotted((*at, "api_key_env"))
    if isinstance(env, str) and not _ENV_NAME.fullmatch(env):
        # The value is not shown: a key pasted here must not reach the output.
        message = (
            f"{where}: must name the environment variable that holds the key (upper case"
            " letters, digits and '_', like MISTRAL_API_KEY_PROD), not the key itself"
        )
        yield (*at, "api_key_env"), message
    if (
        "api_key_env" not in target
        and isinstance(url, str)
        and url != LOCAL
        and not _misspelt(target, "api_key_env", _fields_at(at))
    ):
        message = (
            f"{dotted(at)}: field 'api_key_env' required for a remote target; name the"
            " environment variable that holds its key, e.g. api_key_env: MISTRAL_API_KEY"
        )
        yield at, message
    overrides = target.get("model_overrides")
    if isinstance(overrides, dict):
        for model, replacement in overrides.items():
            where_model: KeyPath = (*at, "model_overrides", model)
            if isinstance(model, str) and not model.strip():
                yield where_model, f"{dotted(where_model)}: a model name is empty; remove it"
            elif isinstance(replacement, str) and not replacement.strip():
                message = f"{dotted(where_model)}: is empty; name the model to use instead"
                yield where_model, message


def _misspelt(mapping: dict[Hashable, Any], wanted: str, fields: tuple[str, ...]) -> bool:
    """Whether an unknown key of `mapping` is probably `wanted` misspelt (reported as such)."""
    return any(
        difflib.get_close_matches(str(key), fields, n=1) == [wanted]
        for key in mapping
        if key not in fields
    )


def _default_target_findings(default: Any, targets: Any) -> Iterator[Finding]:
    targets = {} if targets is None else targets
    if not isinstance(default, str) or not isinstance(targets, dict) or default in targets:
        return
    known = sorted(str(name) for name in targets)
    if not known:
        message = f"default_target: {default!r} is not defined; add it under 'targets:'"
    else:
        hint = did_you_mean(default, frozenset(known))
        message = (
            f"default_target: {default!r} is not one of the targets; {hint}"
            f"define it under 'targets:' or pick one of: {', '.join(known)}"
        )
    yield ("default_target",), message


def _config(model: _ConfigSchema, path: Path) -> Config:
    targets = {
        name: TargetConfig(
            name=name,
            api_url=target.api_url,
            api_key_env=target.api_key_env or LOCAL_KEY_ENV,
            model_overrides=MappingProxyType(dict(target.model_overrides)),
        )
        for name, target in model.targets.items()
    }
    names = model.ownership.names
    return Config(
        specs=path.parent / model.specs,
        ownership=None if names is None else tuple(names),
        prune=model.prune,
        max_deletes=model.max_deletes,
        protect=tuple(model.protect),
        targets=MappingProxyType(targets),
        default_target=model.default_target,
        path=path,
    )
