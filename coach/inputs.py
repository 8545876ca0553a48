"""Reading a story from a file or stdin, and checking it is something we can score.

Every failure is an :class:`InputError` with one line that says what is wrong and what to do.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import BinaryIO

from coach.errors import InputError

#: About 20 minutes of speech; longer "stories" are pasted documents, not answers.
MAX_STORY_CHARS = 50_000
#: Bytes read from a file before we decide it is too large (no need to read 1 GB to refuse it).
_MAX_READ_BYTES = MAX_STORY_CHARS * 4 + 4


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
)


def decode_story(data: bytes, source: str) -> str:
    """Bytes → text: UTF-8, or UTF-16/32 with a byte-order mark (as Windows tools save "Unicode" text);
    binary and other encodings are refused with a clear message."""
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    if encoding == "utf-8" and b"\x00" in data:
        raise InputError(f"{source}: looks like a binary file, not text; give a .txt or .md file with the story")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            raise InputError(f"{source}: not valid {encoding.upper()} text despite its byte-order mark; save the file as UTF-8") from exc
        raise InputError(
            f"{source}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at position {exc.start}); save the file as UTF-8"
        ) from exc
    if "\x00" in text:  # a NUL written as UTF-16: still not text
        raise InputError(f"{source}: contains a NUL character, so it is not plain text; save the story as UTF-8 text")
    return text


def read_story(path: str | None) -> tuple[str, str]:
    """(text, source name) from a path, or from stdin when path is None or "-"."""
    if path in (None, "-"):
        data = sys.stdin.buffer.read(_MAX_READ_BYTES)
        source = "<stdin>"
    else:
        file = Path(path)
        source = str(file)
        try:
            with _open_for_reading(file) as handle:
                data = handle.read(_MAX_READ_BYTES)
        except FileNotFoundError:
            raise InputError(f"{source}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"{source}: is a folder, not a file (use `coach batch` for a folder of stories)") from None
        except PermissionError:
            raise InputError(f"{source}: permission denied") from None
        except OSError as exc:
            raise InputError(f"{source}: cannot be read ({exc.strerror})") from exc
    has_bom = data.startswith(tuple(bom for bom, _ in _BOMS))
    if len(data) >= _MAX_READ_BYTES and (has_bom or b"\x00" not in data[:8192]):
        # At most 4 bytes a character: this many bytes is over the limit, and the read may have cut a
        # character in half, so decoding would wrongly report invalid UTF-8.
        raise InputError(
            f"{source}: the story is too long (more than {MAX_STORY_CHARS:,} characters, about 20 minutes "
            "spoken); trim it to the answer you would give"
        )
    return check_story(decode_story(data, source), source), source


def _open_for_reading(file: Path) -> BinaryIO:
    """The file opened for reading; a named pipe is opened without waiting for a writer (a FIFO that
    nobody writes to then reads as empty instead of blocking forever)."""
    try:
        is_fifo = stat.S_ISFIFO(file.stat().st_mode)
    except OSError:
        is_fifo = False
    if not is_fifo:
        return file.open("rb")
    fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK)
    os.set_blocking(fd, True)  # a writer already there: read it all, as from any pipe
    return os.fdopen(fd, "rb")


def check_story(text: str, source: str | None = None) -> str:
    """``text`` unchanged, or an InputError naming ``source`` (a file name) when there is one."""
    where = f"{source}: " if source else ""
    if not text.strip():
        raise InputError(f"{where}the story is empty; type or paste your answer")
    if len(text) > MAX_STORY_CHARS:
        raise InputError(
            f"{where}the story is too long ({len(text):,} characters; the limit is {MAX_STORY_CHARS:,}, "
            "about 20 minutes spoken); trim it to the answer you would give"
        )
    return text
