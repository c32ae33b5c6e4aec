"""Running a config script: each line as if typed (sans-IO; the drivers print the results).

Lines starting with ``#`` are comments and leading whitespace is ignored (the engine does both).
A y/n question (purge, factoryreset) is answered by the script's next line, as in a real paste.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Protocol

from .reply import Reply


class LineRunner(Protocol):
    """What runs a line: a ``Session``."""

    def execute(self, line: str) -> Reply: ...

    @property
    def depth(self) -> int: ...


@dataclass(frozen=True)
class LineResult:
    lineno: int
    line: str
    reply: Reply


def run_lines(session: LineRunner, lines: Iterable[str], first_lineno: int = 1) -> Iterator[LineResult]:
    """Execute lines in order, yielding each result; stops after a line that ends the session."""
    for n, raw in enumerate(lines, start=first_lineno):
        line = raw.rstrip("\r\n")
        reply = session.execute(line)
        yield LineResult(n, line, reply)
        if reply.exit:
            return


def failures(results: Iterable[LineResult]) -> list[LineResult]:
    return [r for r in results if r.reply.failed]
