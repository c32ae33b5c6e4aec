"""Script mode: run lines from a pipe or file as if typed, with no prompts and no echo.

Lines are read one at a time as they arrive (``(cat cfg; sleep 3600) | adc`` keeps a headless
appliance configured and running); each command's output is flushed at once. Failing lines are
reported on stderr as ``line N: <line>`` followed by the engine's error text; a commit the appliance
takes but cannot carry out here (a virtual server whose address is not on this host) prints its notice
on stderr too, and does not count as a failure.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO, Iterator

from adc.engine.script import run_lines

if TYPE_CHECKING:
    from adc.engine.session import Session

# Bytes read for one line at most; the rest of a longer line is read and skipped, so input with no line
# break (a gigabyte of it) is never held whole. What is kept is still longer than the engine accepts
# (16384 characters, the continuation lines of a command included), so such a line fails as a whole.
LINE_LIMIT = 1 << 20
# How much of a failing line the ``line N:`` report repeats.
ECHO_LIMIT = 200


def read_lines(stream: BinaryIO, limit: int = LINE_LIMIT) -> Iterator[str]:
    """Decoded lines, as they arrive; bytes that are not UTF-8 become lone surrogates.

    The engine rejects a line holding such a surrogate with a clear message, so the bad line fails
    and the script goes on.
    """
    while True:
        raw = stream.readline(limit)
        if not raw:
            return
        cut = len(raw) >= limit and not raw.endswith(b"\n")
        skipped = raw
        while len(skipped) >= limit and not skipped.endswith(b"\n"):
            skipped = stream.readline(limit)
        if raw.endswith(b"\n"):
            raw = raw[:-1]
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        line = raw.decode("utf-8", "surrogateescape")
        if cut and line.endswith("\\"):
            # The head of a longer line ends wherever the limit fell: a backslash there must not make
            # the engine take the next line as its continuation.
            line += " "
        yield line


def echo_line(line: str) -> str:
    """A failing line as the report repeats it: stripped, shortened, undecodable bytes as ``\\xNN``."""
    text = line.strip()
    if len(text) > ECHO_LIMIT:
        text = text[:ECHO_LIMIT] + f"... ({len(text)} characters)"
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class _Out:
    """A binary stream that is flushed after each write and goes quiet once its reader has gone."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.broken = False

    def write(self, text: str) -> None:
        if not text or self.broken:
            return
        try:
            self.stream.write(text.encode("utf-8", "surrogateescape"))
            self.stream.flush()
        except BrokenPipeError:
            self.broken = True  # keep configuring: the input, not the reader, decides when we stop


def run_script(session: Session, stdin: BinaryIO, stdout: BinaryIO, stderr: BinaryIO) -> int:
    """Run every input line; 1 if any line failed, else 0. Stops early on ``exit``."""
    out, err = _Out(stdout), _Out(stderr)
    failed = False
    last = None
    for result in run_lines(session, read_lines(stdin)):
        last = result
        out.write(result.reply.output)
        if result.reply.failed:
            failed = True
            err.write(f"line {result.lineno}: {echo_line(result.line)}\n{result.reply.error}")
        if result.reply.notice:  # taken, but not carried out on this host: said, not a failure
            err.write(result.reply.notice)
    if last is not None and session.awaiting_answer:  # the input ended before the y/n: nothing was done
        failed = True
        err.write(f"line {last.lineno}: {echo_line(last.line)}\n"
                  "the input ended without an answer (y/n): nothing was done\n")
    return 1 if failed else 0
