"""Taking secrets out of text: the one rule for the key in messages and for the
environment's secrets in crash logs."""

from __future__ import annotations

# Shorter values are no real secret (the embedded emulator takes "local"), and
# scrubbing them would mangle ordinary words: key "n" would turn "none" into "***one".
MIN_SECRET_LENGTH = 8


def redact(text: str, secret: str, replacement: str = "***") -> str:
    """`text` without `secret` (when it is long enough to be one), each copy replaced."""
    if len(secret) < MIN_SECRET_LENGTH:
        return text
    # Repeated: removing one copy may join the pieces around it into another.
    while secret in text:
        text = text.replace(secret, replacement)
    return text
