"""One core function per command, and the setup they share (`setup.py`).

Each module is what one verb does, in plain data: the flags arrive as a
`Choices`, the result leaves as a value for `render/`. Nothing here knows
click; the CLI (`cli/`) parses, calls one function here, renders, exits.
"""
