"""The saved configuration that every console session shares.

Sessions edit working copies and hand finished entries to ``commit``; the store applies the change,
makes it durable through its ``Persistence`` (if any) and then tells its subscribers (the data plane,
other consoles) with the new generation number. Several engines may share one store.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from .tree import ConfigTree, Entry


@dataclass(frozen=True)
class Change:
    """One committed change: ``entry`` None means delete; ``key`` None means a single object."""

    path: tuple[str, ...]
    key: str | None
    entry: Entry | None


class Persistence(Protocol):
    def record(self, generation: int, change: Change) -> None: ...

    def replace(self, generation: int, tree: ConfigTree) -> None: ...


# A subscriber may answer with lines for the operator (e.g. a listener that could not bind).
Subscriber = Callable[[int, "ConfigStore"], "list[str] | None"]


class ConfigStore:
    def __init__(self, tree: ConfigTree, persistence: Persistence | None = None, generation: int = 0) -> None:
        self.tree = tree
        self.persistence = persistence
        self.generation = generation
        self.last_change: Change | None = None  # the change that made ``generation`` (None after replace)
        self.derived: dict[str, object] = {}  # indexes that engines keep over the tree, by name
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> None:
        self._subscribers.append(callback)

    def _notify(self) -> list[str]:
        notes: list[str] = []
        for cb in list(self._subscribers):
            notes.extend(cb(self.generation, self) or ())
        return notes

    def commit(self, change: Change) -> list[str]:
        """Apply one change: made durable first, then visible; returns what subscribers had to say."""
        gen = self.generation + 1
        if self.persistence is not None:
            self.persistence.record(gen, change)
        self.apply(change)
        self.generation = gen
        self.last_change = change
        return self._notify()

    def apply(self, change: Change) -> None:
        """Apply without persisting (used when replaying a journal)."""
        if change.key is None:
            assert change.entry is not None
            self.tree.nodes[change.path] = change.entry.copy()
        elif change.entry is None:
            self.tree.table(change.path).remove(change.key)
        else:
            self.tree.table(change.path).put(change.entry.copy())

    def replace(self, tree: ConfigTree) -> list[str]:
        """Swap the whole configuration (restore, factory reset)."""
        gen = self.generation + 1
        if self.persistence is not None:
            self.persistence.replace(gen, tree)
        self.tree = tree
        self.generation = gen
        self.last_change = None
        return self._notify()
