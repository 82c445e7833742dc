"""Which API to talk to, with which key: the one place that wires the embedded
emulator in for `--api-url local`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from judgesync.errors import ConfigError
from judgesync.settings.address import DEFAULT_API_URL, LOCAL, api_url_problem, target_label
from judgesync.settings.config import LOCAL_KEY_ENV, Config
from judgesync.settings.local_state import LOCAL_DB

# httpx is imported only when a client opens: validate resolves settings offline.
if TYPE_CHECKING:
    from judgesync.remote.client import JudgesClient

# The embedded emulator gives each key its own workspace; without a key set,
# every local run shares this one.
LOCAL_API_KEY = "local"


@dataclass(frozen=True)
class Target:
    api_url: str
    api_key: str
    # The judgesync.yaml target this came from, if any.
    name: str | None = None
    model_overrides: tuple[tuple[str, str], ...] = ()
    # The environment variable the key came from, for error messages.
    key_env: str = "MISTRAL_API_KEY"
    # `local` only: the state's file relative to the working directory (remote/local_state.py).
    local_db: Path | None = None
    # Where the URL was set, for the hint of a failure; None: nowhere, it is the default.
    url_source: str | None = None

    @property
    def label(self) -> str:
        return target_label(self.api_url, self.name, self.local_db)

    @property
    def is_local(self) -> bool:
        return self.api_url == LOCAL


def resolve_target(
    api_url: str | None,
    environ: Mapping[str, str],
    target_name: str | None = None,
    config: Config | None = None,
) -> Target:
    """Where to send requests, and with which key.

    Precedence: --api-url or --target (never both), then JUDGESYNC_API_URL,
    then the config's default_target, then Mistral's API. A named target
    reads its key from its own `api_key_env`; everything else from
    MISTRAL_API_KEY. Raises ConfigError before any request when a real URL
    has no key.
    """
    if api_url is not None and target_name is not None:
        raise ConfigError(
            "--api-url and --target both say where to connect; pass only one of them."
        )
    chosen = None
    if api_url is None and (target_name is not None or not environ.get("JUDGESYNC_API_URL")):
        chosen = (config or Config()).target(target_name)
    if chosen is None:
        if api_url:
            return _target(api_url, LOCAL_KEY_ENV, environ, "--api-url")
        if environ.get("JUDGESYNC_API_URL"):
            return _target(
                environ["JUDGESYNC_API_URL"], LOCAL_KEY_ENV, environ, "JUDGESYNC_API_URL"
            )
        return _target(DEFAULT_API_URL, LOCAL_KEY_ENV, environ, None)
    name, settings = chosen
    overrides = tuple(sorted(settings.model_overrides.items()))
    source = f"the api_url of target {name!r} in judgesync.yaml"
    target = _target(settings.api_url, settings.key_env, environ, source)
    return replace(target, name=name, model_overrides=overrides)


def _target(url: str, key_env: str, environ: Mapping[str, str], url_source: str | None) -> Target:
    url = url.strip()
    key = environ.get(key_env, "").strip()
    if url == LOCAL:
        return Target(LOCAL, key or LOCAL_API_KEY, key_env=key_env, url_source=url_source)
    problem = api_url_problem(url)
    if problem:
        examples = "https://api.mistral.ai, a running emulator's URL, or local"
        fix = (
            f"Pass --api-url {examples}."
            if url_source == "--api-url"
            else (f"Correct {url_source}: {examples}.")
        )
        raise ConfigError(f"{problem} {fix}")
    if not key:
        raise ConfigError(
            f"{key_env} is not set. Export your Mistral API key, or use --api-url local"
            " to work against the embedded emulator."
        )
    return Target(url.rstrip("/"), key, key_env=key_env, url_source=url_source)


@contextmanager
def open_client(target: Target, workdir: Path, parallelism: int = 8) -> Iterator[JudgesClient]:
    """A client for the target; for `local`, an emulator runs while the client is open."""
    from judgesync.remote.client import JudgesClient

    if target.is_local:
        from judgesync.remote.local import embedded_emulator

        with ExitStack() as stack:
            url = stack.enter_context(embedded_emulator(workdir / (target.local_db or LOCAL_DB)))
            yield stack.enter_context(
                JudgesClient(
                    url, target.api_key, list_concurrency=parallelism, key_env=target.key_env
                )
            )
        return
    with JudgesClient(
        target.api_url,
        target.api_key,
        list_concurrency=parallelism,
        key_env=target.key_env,
        url_source=target.url_source,
    ) as client:
        yield client
