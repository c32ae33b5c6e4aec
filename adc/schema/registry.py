"""The schema as one object: every top-level table, in the order a device-wide ``show`` prints them.

The order is also a dependency order: a table only references tables printed before it, so the output
of ``show`` can be pasted into a fresh appliance and replayed line by line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

from .model import Attr, Table


@dataclass(frozen=True)
class FactoryEntry:
    """An object a factory-fresh appliance holds.

    ``reserved`` entries (all ``LB_*``, ``Factory``, ``LOCAL_CERT_GROUP``...) are predefined: never deleted
    (-42), a commit changing their ``type`` or their nested members is refused (-41), printed by ``show
    full-configuration`` and by plain ``show`` only where they differ from this factory state. Non-reserved factory
    entries (interfaces ``port1``..``port10``) are ordinary config that ``show`` prints; ``delete_code``
    refuses their deletion when set.
    """

    path: tuple[str, ...]
    key: str | None  # None for a single object
    values: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    children: Mapping[str, tuple["FactoryEntry", ...]] = field(default_factory=dict)
    reserved: bool = True
    delete_code: int = 0


class Schema:
    """Lookup over the top-level tables (by path), their nested tables and their attributes."""

    def __init__(
        self,
        tables: Iterable[Table],
        factory: Iterable[FactoryEntry] = (),
        group_help: Mapping[tuple[str, ...], str] | None = None,
    ) -> None:
        self.group_help: dict[tuple[str, ...], str] = dict(group_help or {})
        self.tables: tuple[Table, ...] = tuple(tables)
        self.by_path: dict[tuple[str, ...], Table] = {t.path: t for t in self.tables}
        self.by_dotted: dict[str, Table] = {t.dotted: t for t in self.tables}
        self.factory: tuple[FactoryEntry, ...] = tuple(factory)
        self._every: dict[str, Table] = {}  # top-level and nested tables by dotted path
        stack = list(self.tables)
        while stack:
            t = stack.pop()
            self._every[t.dotted] = t
            stack.extend(t.children)
        # Every word that may follow ``config`` at some depth, for prefix matching of paths.
        self._prefixes: dict[tuple[str, ...], list[str]] = {}
        for t in self.tables:
            for depth in range(len(t.path)):
                words = self._prefixes.setdefault(t.path[:depth], [])
                if t.path[depth] not in words:
                    words.append(t.path[depth])

    def next_words(self, prefix: tuple[str, ...]) -> list[str]:
        """The words that can follow ``config <prefix...>`` (``["virtual-server", "pool", ...]``)."""
        return list(self._prefixes.get(prefix, []))

    def table(self, path: tuple[str, ...]) -> Table | None:
        return self.by_path.get(path)

    def find(self, dotted: str) -> Table:
        """Any table, nested ones included, by its dotted path (``load-balance.pool.pool_member``)."""
        return self._every[dotted]

    def ref_table(self, attr: Attr) -> Table | None:
        return self.by_dotted.get(attr.ref or "")

    def help_for_word(self, prefix: tuple[str, ...], word: str) -> str:
        """Help text for a path word: the table's own help when the word completes a table path."""
        t = self.by_path.get(prefix + (word,))
        if t is not None:
            return t.help
        return self.group_help.get(prefix + (word,), word)
