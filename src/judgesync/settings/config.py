"""`judgesync.yaml`: the optional repository settings.

Where the specs live, which remote judges this repository owns, the guards on
deletion, and named targets. `Config` is the one model of the file: pydantic
checks the types, `_value_findings` the rules types cannot say, and
`specs.problems` words both as it words spec files, each problem at its line,
all raised together as one `ConfigFileError`. Without a file, `load_config`
returns the defaults. The format is documented in docs/adopting.md; how the
settings meet the flags is `policy.Policy.resolve`.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from judgesync.errors import ConfigError, ConfigFileError, Problem, SpecError
from judgesync.repository import CONFIG_FILE
from judgesync.settings.address import LOCAL, api_url_problem
from judgesync.settings.thresholds import Gates, OnInconclusive, Thresholds
from judgesync.specs import yamlio
from judgesync.specs.problems import (
    Finding,
    KeyPath,
    closest,
    describe,
    did_you_mean,
    dotted,
    fields_at,
    line_of,
    schema_findings,
)
from judgesync.specs.textfile import read_text, shown_path

DEFAULT_SPECS = Path("judges")
DEFAULT_MAX_DELETES = 5
# Local targets need no real key: the embedded emulator falls back to a shared one.
LOCAL_KEY_ENV = "MISTRAL_API_KEY"
# Upper case by convention; it also keeps a pasted key from passing for a name.
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
# Values never shown in a problem: a key pasted where its variable's name belongs.
_SECRET_KEYS = frozenset({"api_key_env"})


# Strict: YAML's numbers and booleans are never turned into text.
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _read_only(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


class Ownership(_Strict):
    names: list[str] | None = None


class TargetConfig(_Strict):
    """A named remote: where it is, which variable holds its key, model swaps."""

    api_url: str
    api_key_env: str | None = None
    model_overrides: Annotated[Mapping[str, str], AfterValidator(_read_only)] = Field(
        default_factory=lambda: MappingProxyType({})
    )

    @property
    def key_env(self) -> str:
        """The variable holding the key; a local target may leave it out."""
        return self.api_key_env or LOCAL_KEY_ENV

    @property
    def is_local(self) -> bool:
        return self.api_url == LOCAL


class GateThresholds(_Strict):
    """Thresholds on a judge's verdicts (review/gates.py says what each reads)."""

    min_accuracy: float | None = None
    min_kappa: float | None = None
    max_mae: float | None = None
    max_accuracy_drop: float | None = None
    on_inconclusive: OnInconclusive | None = None

    def thresholds(self) -> Thresholds:
        return Thresholds(**self.model_dump())


class GatesConfig(GateThresholds):
    """Global thresholds, and per judge ones over them."""

    judges: Annotated[Mapping[str, GateThresholds], AfterValidator(_read_only)] = Field(
        default_factory=lambda: MappingProxyType({})
    )

    def gates(self) -> Gates:
        default = GateThresholds.model_validate(self.model_dump(exclude={"judges"})).thresholds()
        judges = {name: own.thresholds() for name, own in self.judges.items()}
        return Gates(default, MappingProxyType(judges))


class TrafficJudgeConfig(_Strict):
    """A judge's default selector for `plan --replay`: a TraceQL filter, a sample size."""

    filter: str
    sample: int = 50


class TrafficConfig(_Strict):
    judges: Annotated[Mapping[str, TrafficJudgeConfig], AfterValidator(_read_only)] = Field(
        default_factory=lambda: MappingProxyType({})
    )

    def selectors(self) -> Mapping[str, tuple[str, int]]:
        """Judge name -> (filter, sample)."""
        return MappingProxyType({n: (j.filter, j.sample) for n, j in self.judges.items()})


class ReviewConfig(_Strict):
    """Limits on what `test` and `plan --replay` spend."""

    # Judging requests one run may send; None: no limit.
    max_judgements: int | None = None


class Config(_Strict):
    """The settings of one repository, as the file writes them."""

    specs: str = str(DEFAULT_SPECS)
    ownership: Ownership = Field(default_factory=Ownership)
    prune: bool = False
    max_deletes: int = DEFAULT_MAX_DELETES
    protect: list[str] = Field(default_factory=list)
    # Whether apply refuses a breaking change its spec does not acknowledge.
    breaking_changes: Literal["warn", "require_ack"] = "warn"
    targets: Annotated[Mapping[str, TargetConfig], AfterValidator(_read_only)] = Field(
        default_factory=lambda: MappingProxyType({})
    )
    default_target: str | None = None
    gates: GatesConfig = Field(default_factory=GatesConfig)
    # Production traffic that `plan --replay` judges each updated judge on.
    traffic: TrafficConfig = Field(default_factory=TrafficConfig)
    review: ReviewConfig = Field(default_factory=ReviewConfig)
    # The file it was read from, None for the defaults: `specs` is relative to it.
    _path: Path | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def spec_directory(self) -> Path:
        """`specs`, relative to the file's folder (the working directory without a file)."""
        return Path(self.specs) if self._path is None else self._path.parent / self.specs

    @property
    def owned_names(self) -> tuple[str, ...] | None:
        """The ownership globs; None owns the whole workspace."""
        names = self.ownership.names
        return None if names is None else tuple(names)

    def target(self, name: str | None) -> tuple[str, TargetConfig] | None:
        """The target called `name`, else the default target, else None.

        Raises ConfigError, listing the known targets, for an unknown name.
        """
        chosen = name if name is not None else self.default_target
        if chosen is None:
            return None
        found = self.targets.get(chosen)
        if found is not None:
            return chosen, found
        where = self._path if self._path is not None else CONFIG_FILE
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


def load_config(path: Path | None) -> Config:
    """The settings in `path`, or the defaults for None.

    Raises ConfigFileError listing every problem, each at its line when known.
    """
    if path is None:
        return Config()
    shown = shown_path(path)
    try:
        document, unreadable = yamlio.read_document(read_text(path, shown), shown)
    except SpecError as error:
        raise ConfigFileError(error.problems) from None
    data = {} if document.data is None else document.data
    if not isinstance(data, dict):
        message = f"{CONFIG_FILE} must be a mapping of settings (it holds {describe(data)})"
        raise ConfigFileError([Problem(shown, message, document.lines[()])])
    nulls = list(_null_findings(data, ()))
    config, schema = _validate(data)
    # A key without a value is said once, not again as a value of the wrong type.
    empty = [at for at, _ in nulls]
    schema = [(at, m) for at, m in schema if not any(at[: len(e)] == e for e in empty)]
    findings = [*nulls, *schema, *_value_findings(data)]
    if config is not None and not findings and not unreadable:
        config._path = path
        return config
    # At a line whose YAML was refused, the value read is a stand-in: no more about it.
    refused_lines = {problem.line for problem in unreadable}
    problems = [
        *unreadable,
        *(Problem(shown, message, line_of(document, at)) for at, message in findings),
    ]
    problems = [p for p in problems if p in unreadable or p.line not in refused_lines]
    raise ConfigFileError(sorted(problems, key=lambda problem: problem.line or 0))


def _null_findings(data: Any, at: KeyPath) -> Iterator[Finding]:
    """Every key written without a value: never a way to say "the default"."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        where = (*at, key)
        if value is None:
            yield where, f"{dotted(where)}: has no value; write one or remove the key"
        elif isinstance(value, dict | list):
            yield from _null_findings(value, where)


def _validate(data: dict[Hashable, Any]) -> tuple[Config | None, list[Finding]]:
    try:
        return Config.model_validate(data), []
    except ValidationError as error:
        return None, schema_findings(Config, error, _SECRET_KEYS)


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
    review = data.get("review")
    budget = review.get("max_judgements") if isinstance(review, dict) else None
    if isinstance(budget, int) and not isinstance(budget, bool) and budget < 1:
        message = f"review.max_judgements: must be 1 or more, got {budget}"
        findings.append((("review", "max_judgements"), message))
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
    gates = data.get("gates")
    if isinstance(gates, dict):
        findings += _threshold_findings(gates, ("gates",))
        for name, own in (gates.get("judges") or {}).items():
            if isinstance(own, dict):
                findings += _threshold_findings(own, ("gates", "judges", name))
    traffic = data.get("traffic")
    if isinstance(traffic, dict) and isinstance(traffic.get("judges"), dict):
        for name, own in traffic["judges"].items():
            findings += _traffic_findings(name, own)
    targets = data.get("targets")
    if isinstance(targets, dict):
        for name, target in targets.items():
            findings += _target_findings(name, target)
    findings += _default_target_findings(data.get("default_target"), targets)
    return findings


# Each threshold's allowed values: shares lie in 0..1, κ in -1..1, an error is not negative.
_THRESHOLD_RANGES = {
    "min_accuracy": (0.0, 1.0),
    "max_accuracy_drop": (0.0, 1.0),
    "min_kappa": (-1.0, 1.0),
    "max_mae": (0.0, float("inf")),
}


def _threshold_findings(thresholds: dict[Hashable, Any], at: KeyPath) -> Iterator[Finding]:
    for key, (low, high) in _THRESHOLD_RANGES.items():
        value = thresholds.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if not low <= value <= high:
            where = (*at, key)
            bounds = f"from {low:g} to {high:g}" if high != float("inf") else f"{low:g} or more"
            yield where, f"{dotted(where)}: must be {bounds}, got {value}"


def _traffic_findings(name: Hashable, own: Any) -> Iterator[Finding]:
    at: KeyPath = ("traffic", "judges", name)
    if not isinstance(own, dict):
        return
    expression, sample = own.get("filter"), own.get("sample")
    if isinstance(expression, str) and not expression.strip():
        message = f"{dotted((*at, 'filter'))}: is empty; write a TraceQL expression such as '{{ }}'"
        yield (*at, "filter"), message
    if isinstance(sample, int) and not isinstance(sample, bool) and sample < 1:
        yield (*at, "sample"), f"{dotted((*at, 'sample'))}: must be 1 or more, got {sample}"


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
    problem = api_url_problem(url) if isinstance(url, str) and url != LOCAL else None
    if problem is not None:
        message = f"{dotted((*at, 'api_url'))}: {problem} Write e.g. https://api.mistral.ai."
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
        and not _misspelt(target, "api_key_env", fields_at(Config, at))
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
    return any(closest(str(key), fields) == wanted for key in mapping if key not in fields)


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
