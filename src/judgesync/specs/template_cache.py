"""`templates.check`'s answers kept on disk, so that a prompt is parsed once per change.

`plan` and `validate` check every prompt (a Jinja syntax error or an unknown
variable stops them before anything is sent), and Jinja's parser costs about
1.5 ms a prompt with `{% %}` blocks: 1.5 s of every `plan` of 1,000 specs.
The answers live in `.judgesync/template-checks.json` at the repository root
(`cache_file`: where judgesync.yaml is, else the git root, else the working
directory), keyed by the SHA-256 of the template's whole text.

The cache never changes a result:
- a key is the whole text's hash, and the file carries a fingerprint of what
  an answer depends on besides the text: Jinja2's version and the source of
  the check (templates.py; a check that moves code elsewhere adds it to
  `_FINGERPRINTED`). A file of another fingerprint or format, or one that
  does not read as such a file down to each field's type, is ignored;
- an answer is stored whole (line, message, variables), and a property test
  compares cached answers with fresh ones;
- a cache that cannot be read or written costs time, never a result: the
  check runs as it would without it, silently.

The file is written only when a run added an answer, through a temporary
file and a rename, so a concurrent run sees the old file or the new one; two
runs at once may each lose the other's new answers, which the next run adds
again. `.judgesync/` gets a `.gitignore` of `*`, as pytest does for its cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

from judgesync.repository import state_folder
from judgesync.specs import templates
from judgesync.specs.templates import TemplateCheck, TemplateSyntaxProblem

FILE_NAME = "template-checks.json"
_FORMAT = 1
_FINGERPRINTED = (templates,)
# Past this many answers the file keeps only the current run's, so it stays small.
_MOST_ENTRIES = 20_000


def cache_file(start: Path) -> Path:
    """The cache file of runs started in `start`, in `.judgesync/` at the repository root."""
    return state_folder(start) / FILE_NAME


class TemplateChecks:
    """`templates.check` for one load of the specs, through the file at `path`
    (read on the first question; `save` writes it back when answers were added)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stored: dict[str, TemplateCheck] | None = None
        self._answered: dict[str, TemplateCheck] = {}
        self._added = False

    def check(self, source: str) -> TemplateCheck:
        if not templates.needs_parser(source):
            return templates.check(source)  # as cheap as a look-up, and nothing to store
        key = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
        answer = self._answered.get(key)
        if answer is None:
            answer = self._stored_answers().get(key)
            if answer is None:
                answer = templates.check(source)
                self._added = True
            self._answered[key] = answer
        return answer

    def save(self) -> None:
        if not self._added:
            return
        answers = {**self._stored_answers(), **self._answered}
        if len(answers) > _MOST_ENTRIES:
            answers = self._answered
        document = {
            "format": _FORMAT,
            "fingerprint": _fingerprint(),
            "checks": {key: _to_json(answer) for key, answer in answers.items()},
        }
        folder = self._path.parent
        temporary = folder / f"{FILE_NAME}.{os.getpid()}.tmp"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# judgesync's own files\n*\n", encoding="utf-8")
            temporary.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
            os.replace(temporary, self._path)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)

    def _stored_answers(self) -> dict[str, TemplateCheck]:
        if self._stored is None:
            self._stored = _read(self._path)
        return self._stored


def _read(path: Path) -> dict[str, TemplateCheck]:
    """The answers in the file, or none when it is absent, stale or not ours."""
    try:
        if not path.is_file():  # not a named pipe, which would block the read
            return {}
        document = json.loads(path.read_text(encoding="utf-8"))
        if document["format"] != _FORMAT or document["fingerprint"] != _fingerprint():
            return {}
        return {key: _from_json(value) for key, value in document["checks"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _fingerprint() -> str:
    """What a check's answer depends on besides the text, hashed."""
    digest = hashlib.sha256(f"format {_FORMAT}\n".encode())
    # Jinja2's __init__ names its version; read, not imported (that costs ~25 ms).
    jinja = importlib.util.find_spec("jinja2")
    for origin in [jinja.origin if jinja else None, *(m.__file__ for m in _FINGERPRINTED)]:
        digest.update(Path(origin).read_bytes() if origin else b"-")
    return digest.hexdigest()


def _to_json(answer: TemplateCheck) -> dict[str, Any]:
    syntax = answer.syntax
    return {
        "syntax": None if syntax is None else {"line": syntax.line, "message": syntax.message},
        "unknown_variables": list(answer.unknown_variables),
    }


def _from_json(value: Any) -> TemplateCheck:
    """The answer stored as `value`; ValueError unless every field has its type."""
    syntax, unknown = value["syntax"], value["unknown_variables"]
    problem = None
    if syntax is not None:
        line, message = syntax["line"], syntax["message"]
        if not (line is None or _is_int(line)) or not isinstance(message, str):
            raise ValueError("not a syntax problem")
        problem = TemplateSyntaxProblem(line=line, message=message)
    if not isinstance(unknown, list) or not all(isinstance(name, str) for name in unknown):
        raise ValueError("not a list of variable names")
    return TemplateCheck(syntax=problem, unknown_variables=tuple(unknown))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
