"""The emulator's limits, importable without importing the emulator (the command line
needs some of them)."""

from typing import Literal

# The largest page_size a list request gets; larger requests are clamped.
DEFAULT_MAX_PAGE_SIZE = 100

# Live judging renders untrusted templates in a worker process within these budgets;
# past them it answers 400 TEMPLATE_ERROR (docs/emulator.md, "Render budget").
RENDER_SECONDS = 1.0
RENDER_MEMORY_BYTES = 256 * 1024 * 1024

# Live judging admits at most this many requests per workspace (above judgesync's default
# --parallelism of 8) and in all; past either it answers 503 with this Retry-After at once.
JUDGING_PER_WORKSPACE = 16
JUDGING_TOTAL = 64
JUDGING_RETRY_AFTER_SECONDS = 1

# Judging with a model (model_judging.py): how structured output is asked for, and bounds.
Dialect = Literal["auto", "json_schema", "json_object"]
DIALECTS: tuple[Dialect, ...] = ("auto", "json_schema", "json_object")
JUDGING_KEY_ENV = "JUDGESYNC_JUDGING_API_KEY"
DEFAULT_JUDGING_CONCURRENCY = 4
# Below judgesync's own 30 s request timeout, so that its client sees the mapped 408.
DEFAULT_JUDGING_TIMEOUT_SECONDS = 20.0
MAX_TOKENS = 512  # a verdict and a few sentences of analysis; more is cut off (an error)
ANALYSIS_MAX_CHARS = 500  # in the json_object dialect, whose grammar enforces it
