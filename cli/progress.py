"""Progress of a long paste into the console: one status line, rewritten in place.

Echoing thousands of pasted lines with their prompts scrolls everything useful away; above
``THRESHOLD`` lines the console shows this line instead (errors still print, each with its line
number). Pure formatting: the console decides when to write it.
"""
from __future__ import annotations

from dataclasses import dataclass

THRESHOLD = 100  # pastes of more lines than this show progress instead of echoing every line
WIDTH = 30  # characters of the bar


@dataclass
class Progress:
    total: int
    done: int = 0
    failed: int = 0

    def step(self, failed: bool) -> None:
        self.done += 1
        self.failed += int(failed)

    def due(self) -> bool:
        """Redraw about a hundred times over the paste, and at the end."""
        return self.done == self.total or self.done % max(1, self.total // 100) == 0

    def line(self) -> str:
        filled = WIDTH * self.done // max(1, self.total)
        pct = 100 * self.done // max(1, self.total)
        errors = f", {self.failed} failed" if self.failed else ""
        return f"\r[{'#' * filled}{'.' * (WIDTH - filled)}] {pct:3d}% {self.done}/{self.total} lines{errors}"

    def summary(self) -> str:
        ok = self.done - self.failed
        return f"\rloaded {self.done} lines: {ok} ok, {self.failed} failed{' ' * 20}\n"
