"""``--More--`` paging of long command output (reference §1.5), kept sans-IO.

``Pager`` only cuts text into screenfuls; ``run_pager`` drives it with two injected callables (write
text, read one pager key), so the whole behaviour is testable without a terminal. The console supplies
the prompt_toolkit versions of those callables.
"""
from __future__ import annotations

from math import ceil
from typing import Callable, Literal

from prompt_toolkit.utils import get_cwidth

MORE = "--More--"
PagerKey = Literal["page", "line", "quit"]


def rows_of(line: str, width: int) -> int:
    """Terminal rows one output line takes (a long line wraps); ``width <= 0`` means no wrapping."""
    if width <= 0:
        return 1
    return max(1, ceil(get_cwidth(line.rstrip("\n")) / width))


class Pager:
    """Hands out the lines of a text a screenful (``page``) or one line (``line``) at a time.

    A screenful is ``height - 1`` rows: the last row of the terminal is kept for ``--More--``.
    """

    def __init__(self, text: str, height: int, width: int = 0) -> None:
        self.lines = text.splitlines(keepends=True)
        self.budget = max(1, height - 1)
        self.width = width
        self.pos = 0

    @property
    def done(self) -> bool:
        return self.pos >= len(self.lines)

    def page(self) -> str:
        """The next screenful; at least one line, so a line taller than the screen still shows."""
        start = self.pos
        used = 0
        while self.pos < len(self.lines):
            need = rows_of(self.lines[self.pos], self.width)
            if self.pos > start and used + need > self.budget:
                break
            used += need
            self.pos += 1
        return "".join(self.lines[start : self.pos])

    def line(self) -> str:
        """One more line."""
        if self.done:
            return ""
        self.pos += 1
        return self.lines[self.pos - 1]


def split_pages(text: str, height: int, width: int = 0) -> list[str]:
    """The text cut into the screenfuls that repeated space presses would show."""
    pager = Pager(text, height, width)
    pages = []
    while not pager.done:
        pages.append(pager.page())
    return pages


def run_pager(
    text: str,
    height: int,
    width: int,
    write: Callable[[str], None],
    read_key: Callable[[], PagerKey],
) -> bool:
    """Show ``text`` pausing at each full screen; ``read_key`` is asked only when more is left.

    Returns False when the reader quit early (the rest of the output is discarded).
    """
    pager = Pager(text, height, width)
    write(pager.page())
    while not pager.done:
        key = read_key()
        if key == "quit":
            return False
        write(pager.page() if key == "page" else pager.line())
    return True
