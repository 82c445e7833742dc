"""Constants the command line needs without importing the emulator."""

# The largest page_size a list request gets; larger requests are clamped.
DEFAULT_MAX_PAGE_SIZE = 100
