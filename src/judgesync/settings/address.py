"""Where the API is: the one rule for what a base URL may look like, the default
URL, `local`, and how output names a target. The standard library only, so that
checking options stays quick; at the bottom, so that every layer may read it."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from judgesync.settings.local_state import LOCAL_DB

DEFAULT_API_URL = "https://api.mistral.ai"
# `--api-url local`: the embedded emulator.
LOCAL = "local"

# An IPv6 host as URLs write it, with an optional port: [::1]:8080.
_BRACKETED = re.compile(r"\[[0-9A-Fa-f:.]+\](:[0-9]*)?")
# A path segment that climbs or stays: `..` and `.`, percent-encoded too.
_DOT_SEGMENT = re.compile(r"(\.|%2e){1,2}", re.IGNORECASE)


def target_label(api_url: str, name: str | None, local_db: Path | None = None) -> str:
    """How output names a target: also for a saved plan, which keeps its URL and name;
    `local_db` is where a local target keeps its state (settings/local_state.py)."""
    database = (local_db or LOCAL_DB).as_posix()
    where = f"local (embedded emulator, {database})" if api_url == LOCAL else api_url
    return f"{name}: {where}" if name else where


def api_url_problem(url: str) -> str | None:
    """What is wrong with `url` as the judges API's base URL, as a whole sentence; None if nothing.

    A base URL is http or https, names a host, has a port from 1 to 65535 when
    it has one, and carries no credentials (the key goes in a header), query or
    fragment (paths are appended to it). A path prefix is allowed, without `.`
    or `..` segments: a client or proxy would resolve them to another path.
    """
    if any(character <= " " or character == "\x7f" for character in url):
        return f"The API URL {url!r} holds a space or a control character."
    try:
        parts = urlsplit(url)
    except ValueError as error:  # brackets that do not make an IPv6 address
        return f"The API URL {url!r} cannot be read ({error})."
    if parts.scheme not in ("http", "https") or not url.lower().startswith(parts.scheme + "://"):
        return f"The API URL {url!r} does not start with http:// or https://."
    if "@" in parts.netloc:
        # Not quoted: the URL holds a password, perhaps the key itself.
        return (
            "The API URL holds a user name or password; drop them from the URL"
            " and put the API key in the key's environment variable."
        )
    if ("[" in parts.netloc or "]" in parts.netloc) and not _BRACKETED.fullmatch(parts.netloc):
        return f"The API URL {url!r} has brackets that do not enclose an IPv6 address."
    if not parts.hostname:
        return f"The API URL {url!r} names no host."
    if not parts.hostname.isascii():
        return f"The API URL {url!r} has a host that is not ASCII; write it in its xn-- form."
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return f"The API URL {url!r} has a port that is not a number from 1 to 65535."
    if parts.query or parts.fragment or "?" in url or "#" in url:
        return f"The API URL {url!r} has a query or a fragment, which a base URL cannot have."
    if any(_DOT_SEGMENT.fullmatch(segment) for segment in parts.path.split("/")):
        return (
            f"The API URL {url!r} has a '.' or '..' segment in its path; write the path"
            " it means without them."
        )
    return None
