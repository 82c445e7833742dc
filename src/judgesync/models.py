"""The judge models: the one source of a judge's fields, shared by every part of
judgesync (the emulator keeps its own wire schema on purpose, emulator/wire.py).
Named `models`, not `spec`, so that it is not taken for the `specs/` readers.

`JudgeDefinition` is the managed content of a judge: exactly the body of the
API's create and update requests. `Judge` is what the API answers, a
definition plus server-owned fields. Both are frozen values.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# Hex digits of a breaking change's fingerprint, the value a spec's
# `acknowledge_breaking` takes (plan/change_class.py computes it).
FINGERPRINT_LENGTH = 12


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClassificationOption(_Value):
    value: str
    description: str


class ClassificationOutput(_Value):
    type: Literal["CLASSIFICATION"] = "CLASSIFICATION"
    options: list[ClassificationOption]


class RegressionOutput(_Value):
    type: Literal["REGRESSION"] = "REGRESSION"
    min: float | None = None
    min_description: str
    max: float | None = None
    max_description: str


Output = Annotated[ClassificationOutput | RegressionOutput, Field(discriminator="type")]


class JudgeDefinition(_Value):
    """The fields judgesync manages; the body of create and update (PUT) requests."""

    name: str
    description: str
    model_name: str
    instructions: str
    output: Output
    tools: list[str] = Field(default_factory=list)


class Judge(JudgeDefinition):
    """A judge as the API returns it. Unknown extra fields are tolerated."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    created_at: str
    updated_at: str
    deleted_at: str | None = None
    owner_id: str = ""
    workspace_id: str = ""
    up_revision: str | None = None
    down_revision: str | None = None
    base_revision: str | None = None

    @property
    def definition(self) -> JudgeDefinition:
        return JudgeDefinition.model_validate(
            self.model_dump(include=set(JudgeDefinition.model_fields))
        )
