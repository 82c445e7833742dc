"""The emulator's limits, importable without importing the emulator (the command line
needs some of them)."""

# The largest page_size a list request gets; larger requests are clamped.
DEFAULT_MAX_PAGE_SIZE = 100

# Live judging renders untrusted templates in a worker process within these budgets;
# past them it answers 400 TEMPLATE_ERROR (docs/emulator.md, "Render budget").
RENDER_SECONDS = 1.0
RENDER_MEMORY_BYTES = 256 * 1024 * 1024
