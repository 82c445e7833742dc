"""The rules a run plays by, resolved once from judgesync.yaml and the flags.

`Policy.resolve(config, choices, model_overrides)` is the only place where the
file's settings and the command line meet; every command (validate, plan,
apply, `apply --plan`, import) then asks the same `Policy` what it owns, what
is protected and how much it may delete. The planner is pure and takes it as
a value.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from judgesync.errors import ConfigError, PlanError
from judgesync.names import is_shadow, matches_any
from judgesync.settings.config import DEFAULT_MAX_DELETES, DEFAULT_SPECS, Config
from judgesync.settings.thresholds import Gates
from judgesync.specs.problems import did_you_mean
from judgesync.words import counted


class BreakingChanges(StrEnum):
    """judgesync.yaml's `breaking_changes`: what a major update needs to be applied."""

    WARN = "warn"  # shown in the plan, applied like any change
    REQUIRE_ACK = "require_ack"  # refused unless its spec acknowledges that very change


@dataclass(frozen=True)
class Choices:
    """What the command line asked for, before judgesync.yaml fills in the rest."""

    directory: Path | None = None
    api_url: str | None = None
    target_name: str | None = None
    # --prune / --no-prune; None leaves it to judgesync.yaml.
    prune: bool | None = None
    allow_empty: bool = False
    allow_mass_delete: bool = False
    # --only: names or globs of the judges to act on; empty acts on all.
    only: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    """Which specs, which remote judges are ours, and the guards on deletion."""

    specs: Path = DEFAULT_SPECS
    # Globs of the remote judge names this repository owns; None owns the workspace.
    ownership: tuple[str, ...] | None = None
    protect: tuple[str, ...] = ()
    prune: bool = False
    allow_empty: bool = False
    max_deletes: int = DEFAULT_MAX_DELETES
    allow_mass_delete: bool = False
    # Model names replaced before diffing (a cheaper model on staging).
    model_overrides: tuple[tuple[str, str], ...] = ()
    # Thresholds on judges' verdicts for `test` and `plan --replay`.
    gates: Gates = field(default_factory=Gates)
    # Judging requests one `test` or `plan --replay` may send (review.max_judgements).
    max_judgements: int | None = None
    breaking_changes: BreakingChanges = BreakingChanges.WARN
    # Globs of the judges this run acts on (--only); empty selects every judge.
    only: tuple[str, ...] = ()
    # Judge name -> (TraceQL filter, sample size): judgesync.yaml's traffic selectors.
    traffic: Mapping[str, tuple[str, int]] = field(default_factory=dict)

    @classmethod
    def resolve(
        cls,
        config: Config,
        choices: Choices,
        model_overrides: tuple[tuple[str, str], ...] = (),
    ) -> Policy:
        """The config's settings with the flags on top; the target brings its overrides."""
        return cls(
            specs=choices.directory or config.spec_directory,
            ownership=config.owned_names,
            protect=tuple(config.protect),
            prune=config.prune if choices.prune is None else choices.prune,
            allow_empty=choices.allow_empty,
            max_deletes=config.max_deletes,
            allow_mass_delete=choices.allow_mass_delete,
            model_overrides=model_overrides,
            gates=config.gates.gates(),
            max_judgements=config.review.max_judgements,
            breaking_changes=BreakingChanges(config.breaking_changes),
            only=choices.only,
            traffic=config.traffic.selectors(),
        )

    def owns(self, name: str) -> bool:
        """Whether the judge `name` lies inside the ownership scope.

        Shadow judges never do: this is the one filter that keeps them out of
        plans, imports, drift and the unmanaged list (review/shadows.py).
        """
        if is_shadow(name):
            return False
        return self.ownership is None or matches_any(name, self.ownership)

    def selects(self, name: str) -> bool:
        """Whether the judge `name` is one this run acts on (--only, by names.py's glob rule)."""
        return not self.only or matches_any(name, self.only)

    def refuse_unmatched_only(self, names: Collection[str], among: str) -> None:
        """Raise ConfigError for a pattern of --only that matches none of `names` (the
        `among`): most likely a typo, which would otherwise act on nothing, silently."""
        for glob in self.only:
            if not any(matches_any(name, (glob,)) for name in names):
                hint = did_you_mean(glob, frozenset(names))
                raise ConfigError(
                    f"--only {glob!r} matches no {among}; {hint}correct it, or leave it out."
                )

    def protects(self, name: str) -> bool:
        """Whether the judge `name` must never be deleted."""
        return matches_any(name, self.protect)

    def refuse_protected_deletes(self, deleted: Iterable[str]) -> None:
        """Raise PlanError when any judge to delete is protected (now, for a saved plan)."""
        protected = [name for name in deleted if self.protects(name)]
        if protected:
            names = ", ".join(repr(name) for name in protected)
            raise PlanError(
                f"The plan would delete protected judge(s) {names}; nothing was changed."
                " Restore their spec files, or lift the protection in judgesync.yaml in a"
                " reviewed change first."
            )

    def refuse_emptying(self, deletes: int, owned: int) -> None:
        """Raise PlanError when pruning would delete every owned judge, unless allowed."""
        if deletes and deletes == owned and not self.allow_empty:
            raise PlanError(
                f"The plan would delete every owned judge ({deletes}): is the spec directory"
                " empty or mis-pointed? Pass --allow-empty if that is really what you want."
            )

    def exceeds_delete_limit(self, deletes: int) -> bool:
        return deletes > self.max_deletes

    def delete_limit_warning(self, deletes: int) -> str | None:
        """What `plan` says when apply would refuse this many deletions."""
        if not self.exceeds_delete_limit(deletes):
            return None
        return (
            f"Warning: apply will refuse this plan: it deletes {counted(deletes, 'judge')},"
            f" more than max_deletes ({self.max_deletes}), unless --allow-mass-delete is given."
        )

    def refuse_mass_delete(self, deletes: int) -> None:
        """Raise PlanError when apply would delete more than max_deletes without the flag."""
        if self.exceeds_delete_limit(deletes) and not self.allow_mass_delete:
            raise PlanError(
                f"The plan deletes {counted(deletes, 'judge')}, more than max_deletes"
                f" ({self.max_deletes});"
                " nothing was changed. Review the deletions, then pass --allow-mass-delete"
                " or raise max_deletes in judgesync.yaml."
            )
