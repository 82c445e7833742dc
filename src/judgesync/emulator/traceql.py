"""The TraceQL subset that `spans/search` understands: parse, print, evaluate.

    query      := "{" [or] "}"
    or         := and ("||" and)*
    and        := primary ("&&" primary)*
    primary    := "(" or ")" | comparison
    comparison := scope "." key ("=" | "!=") string
    scope      := "span" | "resource"
    key        := [A-Za-z0-9_-]+ ("." [A-Za-z0-9_-]+)*      e.g. resource.service.name
    string     := '"' (any character but '"' and '\\' | \\" | \\\\ | \\n | \\t)* '"'

`&&` binds tighter than `||`; both group to the left. As in Tempo, a
comparison on an attribute the span does not have is false, `!=` included.
Attribute values compare as the strings the emulator stores (docs/emulator.md,
"Spans"). Anything else is an `ExpressionError` naming its column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Scope = Literal["span", "resource"]
Operator = Literal["=", "!="]

_KEY_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
_ESCAPED = {value: f"\\{name}" for name, value in _ESCAPES.items()}


class ExpressionError(ValueError):
    """A search expression outside the subset; `column` is 1-based."""

    def __init__(self, problem: str, column: int) -> None:
        super().__init__(f"{problem} at column {column}")
        self.problem = problem
        self.column = column


@dataclass(frozen=True)
class Comparison:
    scope: Scope
    key: str
    operator: Operator
    value: str


@dataclass(frozen=True)
class And:
    left: Expression
    right: Expression


@dataclass(frozen=True)
class Or:
    left: Expression
    right: Expression


@dataclass(frozen=True)
class MatchAll:
    """`{ }`, or no expression at all."""


Expression = Comparison | And | Or | MatchAll


def matches(expression: Expression, span: Mapping[str, str], resource: Mapping[str, str]) -> bool:
    match expression:
        case MatchAll():
            return True
        case Comparison(scope=scope, key=key, operator=operator, value=value):
            found = (span if scope == "span" else resource).get(key)
            if found is None:
                return False
            return (found == value) == (operator == "=")
        case And(left=left, right=right):
            return matches(left, span, resource) and matches(right, span, resource)
        case Or(left=left, right=right):
            return matches(left, span, resource) or matches(right, span, resource)


def to_text(expression: Expression) -> str:
    """The canonical text of an expression; `parse(to_text(e)) == e`."""
    if isinstance(expression, MatchAll):
        return "{ }"
    return "{ " + _condition_text(expression) + " }"


def _condition_text(expression: Expression) -> str:
    match expression:
        case Comparison(scope=scope, key=key, operator=operator, value=value):
            quoted = "".join(_ESCAPED.get(character, character) for character in value)
            return f'{scope}.{key} {operator} "{quoted}"'
        case And(left=left, right=right):
            # Parentheses where the left-grouping, `&&`-first reading would differ.
            left_text = _grouped(left, isinstance(left, Or))
            return f"{left_text} && {_grouped(right, isinstance(right, And | Or))}"
        case Or(left=left, right=right):
            return f"{_condition_text(left)} || {_grouped(right, isinstance(right, Or))}"
    raise TypeError(f"{expression!r} is not a condition")


def _grouped(expression: Expression, needs_parentheses: bool) -> str:
    text = _condition_text(expression)
    return f"({text})" if needs_parentheses else text


def parse(text: str | None) -> Expression:
    """The expression in `text`; None, empty or blank text matches every span."""
    if text is None or not text.strip():
        return MatchAll()
    return _Parser(text).query()


class _Parser:
    """Recursive descent over the text itself; `position` is the next unread character."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def error(self, problem: str, position: int | None = None) -> ExpressionError:
        return ExpressionError(problem, (self.position if position is None else position) + 1)

    def skip_spaces(self) -> None:
        while self.position < len(self.text) and self.text[self.position].isspace():
            self.position += 1

    def peek(self, token: str) -> bool:
        self.skip_spaces()
        return self.text.startswith(token, self.position)

    def expect(self, token: str, wanted: str) -> None:
        if not self.peek(token):
            raise self.error(f"expected {wanted}, found {self.found()}")
        self.position += len(token)

    def found(self) -> str:
        self.skip_spaces()
        if self.position >= len(self.text):
            return "the end of the expression"
        return repr(self.text[self.position])

    def query(self) -> Expression:
        self.expect("{", "'{' (expressions look like { span.key = \"value\" })")
        expression: Expression = MatchAll() if self.peek("}") else self.disjunction()
        self.expect("}", "'}', '&&' or '||'")
        self.skip_spaces()
        if self.position < len(self.text):
            raise self.error(f"unexpected {self.found()} after the closing '}}'")
        return expression

    def disjunction(self) -> Expression:
        expression = self.conjunction()
        while self.peek("||"):
            self.position += 2
            expression = Or(expression, self.conjunction())
        return expression

    def conjunction(self) -> Expression:
        expression = self.primary()
        while self.peek("&&"):
            self.position += 2
            expression = And(expression, self.primary())
        return expression

    def primary(self) -> Expression:
        if self.peek("("):
            self.position += 1
            expression = self.disjunction()
            self.expect(")", "')', '&&' or '||'")
            return expression
        return self.comparison()

    def comparison(self) -> Comparison:
        scope = self.scope()
        key = self.key()
        operator: Operator
        if self.peek("!="):
            operator = "!="
        elif self.peek("="):
            operator = "="
        else:
            raise self.error(f"expected '=' or '!=', found {self.found()}")
        self.position += len(operator)
        return Comparison(scope, key, operator, self.string())

    def scope(self) -> Scope:
        scopes: tuple[Scope, ...] = ("span", "resource")
        for scope in scopes:
            if self.peek(scope + "."):
                self.position += len(scope) + 1
                return scope
        raise self.error(
            f"expected an attribute such as span.gen_ai.request.model or"
            f" resource.service.name, found {self.found()}"
        )

    def key(self) -> str:
        start = self.position
        while self.position < len(self.text) and (
            self.text[self.position] in _KEY_CHARACTERS
            or (self.text[self.position] == "." and self.text[self.position - 1] != ".")
        ):
            self.position += 1
        key = self.text[start : self.position]
        if not key or key.endswith("."):
            raise self.error("expected an attribute key after the scope", start)
        return key

    def string(self) -> str:
        self.skip_spaces()
        if not self.peek('"'):
            raise self.error(f"expected a string in double quotes, found {self.found()}")
        start = self.position
        self.position += 1
        characters: list[str] = []
        while self.position < len(self.text):
            character = self.text[self.position]
            if character == '"':
                self.position += 1
                return "".join(characters)
            if character == "\\":
                escaped = _ESCAPES.get(self.text[self.position + 1 : self.position + 2])
                if escaped is None:
                    raise self.error('unknown escape (use \\", \\\\, \\n or \\t)')
                characters.append(escaped)
                self.position += 2
                continue
            characters.append(character)
            self.position += 1
        raise self.error("the string is never closed", start)
