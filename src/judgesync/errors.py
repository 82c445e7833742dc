"""The exceptions judgesync raises. Every one of them is a `JudgesyncError`.

    JudgesyncError                 root; the CLI prints its message and exits 1
    ├── SpecError                  spec files are invalid; carries `problems`
    │   └── ConfigFileError        judgesync.yaml is invalid; carries `problems`
    ├── ConfigError                options, environment or judgesync.yaml are wrong
    ├── PlanError                  desired and remote state cannot be reconciled
    └── ApiError                   the API answered an error (method, path, status,
        │                          error_code, message; never the key)
        └── ApiUnreachable         no answer at all after the retries

Messages are whole sentences that say what to do next.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, at a line when it is known."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self._where}: {self.message}"

    def as_warning(self) -> str:
        """The line of a problem that does not stop anything: `path:line: warning: ...`."""
        return f"{self._where}: warning: {self.message}"

    @property
    def _where(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else self.path


class JudgesyncError(Exception):
    """Root of judgesync's errors."""


class SpecError(JudgesyncError):
    # What the problems are in, for the summary line.
    source = "the spec files"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ConfigFileError(SpecError):
    source = "judgesync.yaml"


class ConfigError(JudgesyncError):
    pass


class PlanError(JudgesyncError):
    pass


class ApiError(JudgesyncError):
    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        message: str,
        error_code: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.error_code = error_code
        self.message = message
        detail = " ".join(str(part) for part in (status, error_code) if part is not None)
        super().__init__(f"{method} {path} failed: {detail + ': ' if detail else ''}{message}")


class ApiUnreachable(ApiError):
    pass
