"""Reading the text files judgesync is given: spec files, prompt files, judgesync.yaml.

One rule for all of them (saved plans too, with a larger size limit): a regular
file of at most 1 MiB, in UTF-8; a
byte-order mark at the start is dropped and CRLF becomes LF. Anything else is
refused with one problem naming the file, before a byte is read: a folder, a
named pipe (reading one would wait for a writer forever), a device (a symlink
to /dev/zero never ends).
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

from judgesync.errors import Problem, SpecError

MAX_FILE_BYTES = 1024 * 1024
# Opening never waits: not on a named pipe without a writer, nor on a device.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_MISSING = "does not exist"
_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


class NotARegularFile(SpecError):
    """The path leads nowhere, or to something other than a regular file.

    `reason` completes a sentence about the path: "does not exist", "is a
    named pipe (FIFO), not a regular file".
    """

    def __init__(self, shown: str, reason: str) -> None:
        self.reason = reason
        if reason == _MISSING:
            message = f"the file {reason}; check the path"
        else:
            message = f"the path {reason}; use a regular file instead"
        super().__init__([Problem(shown, message)])


def shown_path(path: Path, cwd: Path | None = None) -> str:
    """The path relative to the working directory (`cwd`, else asked) when it lies below
    it: how every message and listing shows a path."""
    if path.is_absolute():
        try:
            return str(path.relative_to(cwd or Path.cwd()))
        except ValueError:
            return str(path)
    return str(path)


def read_text(path: Path, shown: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of the file at `path`; `shown` is how problems name it.

    Raises NotARegularFile, or SpecError with one problem (unreadable, too
    large, not UTF-8 with the line of the first bad byte).
    """
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise NotARegularFile(shown, _MISSING) from None
    except OSError as error:
        # A socket cannot be opened at all (ENXIO): name what it is rather than the errno.
        _refuse_unless_regular(path, shown)
        message = f"cannot read the file ({error.strerror}); check its permissions"
        raise _problem(shown, message) from None
    try:
        # Checked on the open file, so that the path cannot be swapped in between.
        _refuse_unless_regular(descriptor, shown)
        with open(descriptor, "rb", closefd=False) as stream:
            raw = stream.read(max_bytes + 1)
    finally:
        os.close(descriptor)
    if len(raw) > max_bytes:
        limit = f"{max_bytes // (1024 * 1024)} MiB"
        raise _problem(shown, f"the file is larger than {limit}; it should be far smaller")
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        message = f"the file is not UTF-8 (byte 0x{raw[error.start]:02x}); save it as UTF-8"
        raise _problem(shown, message, line) from None
    return text.replace("\r\n", "\n")


def line_at(text: str, offset: int) -> int:
    """The line (from 1) that holds `text[offset]`."""
    return text.count("\n", 0, offset) + 1


def _refuse_unless_regular(file: Path | int, shown: str) -> None:
    try:
        mode = os.stat(file).st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "something")
        raise NotARegularFile(shown, f"is {kind}, not a regular file")


def _problem(shown: str, message: str, line: int | None = None) -> SpecError:
    return SpecError([Problem(shown, message, line)])
