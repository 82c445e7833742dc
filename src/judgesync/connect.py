"""Which API to talk to, with which key: the one place that wires the embedded
emulator in for `--api-url local`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from judgesync.client import JudgesClient
from judgesync.errors import ConfigError

DEFAULT_API_URL = "https://api.mistral.ai"
LOCAL = "local"
# The embedded emulator gives each key its own workspace; without a key set,
# every local run shares this one.
LOCAL_API_KEY = "local"


@dataclass(frozen=True)
class Target:
    api_url: str
    api_key: str

    @property
    def label(self) -> str:
        return "local (embedded emulator, .judgesync/local.db)" if self.is_local else self.api_url

    @property
    def is_local(self) -> bool:
        return self.api_url == LOCAL


def resolve_target(api_url: str | None, environ: Mapping[str, str]) -> Target:
    """The target from `--api-url`, else JUDGESYNC_API_URL, else Mistral's API.

    Raises ConfigError before any request when a real URL has no key.
    """
    url = (api_url or environ.get("JUDGESYNC_API_URL") or DEFAULT_API_URL).strip()
    key = environ.get("MISTRAL_API_KEY", "").strip()
    if url == LOCAL:
        return Target(LOCAL, key or LOCAL_API_KEY)
    if not url.startswith(("http://", "https://")):
        raise ConfigError(
            f"The API URL {url!r} is neither 'local' nor an http(s) URL; pass --api-url"
            " https://api.mistral.ai, a running emulator's URL, or local."
        )
    if not key:
        raise ConfigError(
            "MISTRAL_API_KEY is not set. Export your Mistral API key, or use --api-url local"
            " to work against the embedded emulator."
        )
    return Target(url.rstrip("/"), key)


@contextmanager
def open_client(target: Target, workdir: Path, parallelism: int = 8) -> Iterator[JudgesClient]:
    """A client for the target; for `local`, an emulator runs while the client is open."""
    if target.is_local:
        from judgesync.local import embedded_emulator

        with (
            embedded_emulator(workdir) as url,
            JudgesClient(url, target.api_key, list_concurrency=parallelism) as client,
        ):
            yield client
        return
    with JudgesClient(target.api_url, target.api_key, list_concurrency=parallelism) as client:
        yield client
