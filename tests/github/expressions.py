"""GitHub Actions expressions, as the runner evaluates them: the subset action.yml
and the workflows use.

Literals ('text' with '' for a quote, numbers, true, false, null); contexts and
their properties (`steps.reviewed.outputs.run-id`, `a['b']`); `!`, `<`, `<=`,
`>`, `>=`, `==`, `!=`, `&&`, `||` and parentheses; the functions success(),
always(), failure(), cancelled(), contains(), startsWith(), endsWith(),
format(), join(), toJSON() and fromJSON(). GitHub's rules: `&&` and `||` yield
an operand, not a boolean; `==` compares strings ignoring case and otherwise
converts both sides to numbers; false, 0, '', null and NaN are falsy; a
missing property is null.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<op>&&|\|\||==|!=|<=|>=|[!<>()\[\].,])|(?P<name>[A-Za-z_][\w-]*))"
)
EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


class ExpressionError(ValueError):
    pass


def evaluate(text: str, contexts: Mapping[str, Any], status: Callable[[str], bool]) -> Any:
    """The value of one expression; `status(name)` answers success(), failure() and the like."""
    return _Parser(_tokens(text), contexts, status).whole()


def substitute(text: str, contexts: Mapping[str, Any], status: Callable[[str], bool]) -> str:
    """A string with each `${{ … }}` replaced by its value as text."""
    return EMBEDDED.sub(lambda found: as_text(evaluate(found[1], contexts, status)), text)


def condition(text: str, contexts: Mapping[str, Any], status: Callable[[str], bool]) -> bool:
    """An `if:`: an expression with or without `${{ }}`; without a status function it
    is `success() && (…)`, as GitHub reads it."""
    inner = text.strip()
    found = EMBEDDED.fullmatch(inner)
    if found:
        inner = found[1]
    if not re.search(r"\b(success|always|failure|cancelled)\(", inner):
        inner = f"success() && ({inner})"
    return truthy(evaluate(inner, contexts, status))


def truthy(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (None, False, 0, "")


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2)
    return str(value)


def as_number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan


def equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if isinstance(left, (dict, list)) or isinstance(right, (dict, list)):
        return left is right
    if left is None and right is None:
        return True
    return as_number(left) == as_number(right)


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(f"cannot read {text[position:]!r} in {text!r}")
        kind = match.lastgroup or ""
        found.append((kind, match[kind]))
        position = match.end()
    return found


def _contains(haystack: Any, needle: Any) -> bool:
    if isinstance(haystack, list):
        return any(equal(item, needle) for item in haystack)
    return as_text(needle).casefold() in as_text(haystack).casefold()


def _format(template: Any, *args: Any) -> str:
    return re.sub(
        r"\{(\d+)\}|\{\{|\}\}",
        lambda found: as_text(args[int(found[1])]) if found[1] else found[0][0],
        as_text(template),
    )


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "contains": _contains,
    "startswith": lambda text, prefix: (
        as_text(text).casefold().startswith(as_text(prefix).casefold())
    ),
    "endswith": lambda text, suffix: as_text(text).casefold().endswith(as_text(suffix).casefold()),
    "format": _format,
    "join": lambda items, sep=",": as_text(sep).join(
        as_text(item) for item in (items if isinstance(items, list) else [items])
    ),
    "tojson": lambda value: json.dumps(value, indent=2),
    "fromjson": lambda text: json.loads(as_text(text)),
}
STATUS = ("success", "always", "failure", "cancelled")


class _Parser:
    def __init__(
        self,
        tokens: list[tuple[str, str]],
        contexts: Mapping[str, Any],
        status: Callable[[str], bool],
    ) -> None:
        self.tokens, self.at = tokens, 0
        self.contexts, self.status = contexts, status

    def whole(self) -> Any:
        value = self.either()
        if self.at != len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.at][1]!r}")
        return value

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise ExpressionError("the expression ends too soon")
        token = self.tokens[self.at]
        if expected is not None and token[1] != expected:
            raise ExpressionError(f"expected {expected!r}, found {token[1]!r}")
        self.at += 1
        return token

    def either(self) -> Any:
        value = self.both()
        while self.peek() == "||":
            self.take()
            right = self.both()
            value = value if truthy(value) else right
        return value

    def both(self) -> Any:
        value = self.equality()
        while self.peek() == "&&":
            self.take()
            right = self.equality()
            value = right if truthy(value) else value
        return value

    def equality(self) -> Any:
        value = self.comparison()
        while self.peek() in ("==", "!="):
            operator = self.take()[1]
            same = equal(value, self.comparison())
            value = same if operator == "==" else not same
        return value

    def comparison(self) -> Any:
        value = self.unary()
        while self.peek() in ("<", "<=", ">", ">="):
            operator = self.take()[1]
            left, right = value, self.unary()
            if isinstance(left, str) and isinstance(right, str):
                a: Any
                b: Any
                a, b = left.casefold(), right.casefold()
            else:
                a, b = as_number(left), as_number(right)
            value = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]
        return value

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not truthy(self.unary())
        return self.postfix(self.primary())

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text)
        if text == "(":
            value = self.either()
            self.take(")")
            return value
        if kind != "name":
            raise ExpressionError(f"unexpected {text!r}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self.peek() == "(":
            return self.call(text.lower())
        if text not in self.contexts:
            raise ExpressionError(f"unknown context {text!r}")
        return self.contexts[text]

    def call(self, name: str) -> Any:
        self.take("(")
        args: list[Any] = []
        while self.peek() != ")":
            args.append(self.either())
            if self.peek() == ",":
                self.take()
        self.take(")")
        if name in STATUS:
            return self.status(name)
        if name not in FUNCTIONS:
            raise ExpressionError(f"unknown function {name}()")
        return FUNCTIONS[name](*args)

    def postfix(self, value: Any) -> Any:
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                key: Any = self.take()[1]
            else:
                key = self.either()
                self.take("]")
            value = _property(value, key)
        return value


def _property(value: Any, key: Any) -> Any:
    if isinstance(value, Mapping):
        # Context keys are case-insensitive.
        wanted = as_text(key).casefold()
        return next((v for k, v in value.items() if str(k).casefold() == wanted), None)
    if isinstance(value, list) and isinstance(key, float) and key.is_integer():
        index = int(key)
        return value[index] if 0 <= index < len(value) else None
    return None
