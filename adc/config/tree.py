"""The config tree: plain data, no schema knowledge beyond names.

An ``Entry`` holds only the values that were set (defaults live in the schema) and its nested tables.
A ``TableData`` keeps entries in creation order, which is the order ``get`` and ``show`` list them.
Values are a ``str`` for single-valued attributes and a ``tuple[str, ...]`` for multi-valued ones.
"""
from __future__ import annotations

from typing import Any, Iterator, Union

Value = Union[str, tuple[str, ...]]


class Entry:
    __slots__ = ("key", "values", "children", "reserved")

    def __init__(
        self,
        key: str | None,
        values: dict[str, Value] | None = None,
        children: dict[str, "TableData"] | None = None,
        reserved: bool = False,
    ) -> None:
        self.key = key
        self.values: dict[str, Value] = values if values is not None else {}
        self.children: dict[str, TableData] = children if children is not None else {}
        self.reserved = reserved

    def copy(self) -> "Entry":
        return Entry(
            self.key,
            dict(self.values),
            {name: t.copy() for name, t in self.children.items()},
            self.reserved,
        )

    def child(self, name: str) -> "TableData":
        t = self.children.get(name)
        if t is None:
            t = self.children[name] = TableData()
        return t

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Entry)
            and self.key == other.key
            and self.values == other.values
            and self.reserved == other.reserved
            and {k: v for k, v in self.children.items() if v.entries}
            == {k: v for k, v in other.children.items() if v.entries}
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "values": {k: list(v) if isinstance(v, tuple) else v for k, v in self.values.items()}}
        if self.reserved:
            out["reserved"] = True
        kids = {name: t.to_json() for name, t in self.children.items() if t.entries}
        if kids:
            out["children"] = kids
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Entry":
        values: dict[str, Value] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.get("values", {}).items()}
        children = {name: TableData.from_json(t) for name, t in data.get("children", {}).items()}
        return cls(data.get("key"), values, children, bool(data.get("reserved", False)))

    def __repr__(self) -> str:
        return f"Entry({self.key!r}, {self.values!r}, children={list(self.children)})"


class TableData:
    __slots__ = ("entries",)

    def __init__(self, entries: dict[str, Entry] | None = None) -> None:
        self.entries: dict[str, Entry] = entries if entries is not None else {}

    def copy(self) -> "TableData":
        return TableData({k: e.copy() for k, e in self.entries.items()})

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, key: str) -> Entry | None:
        return self.entries.get(key)

    def put(self, entry: Entry) -> None:
        """Insert or replace, keeping the position of an existing key (creation order)."""
        assert entry.key is not None
        self.entries[entry.key] = entry

    def remove(self, key: str) -> None:
        self.entries.pop(key, None)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TableData) and list(self.entries.items()) == list(other.entries.items())

    def to_json(self) -> list[dict[str, Any]]:
        return [e.to_json() for e in self.entries.values()]

    @classmethod
    def from_json(cls, data: list[dict[str, Any]]) -> "TableData":
        t = cls()
        for item in data:
            t.put(Entry.from_json(item))
        return t


Node = Union[TableData, Entry]


class ConfigTree:
    """Every top-level node by path: a ``TableData`` for tables, an ``Entry`` for single objects."""

    __slots__ = ("nodes",)

    def __init__(self, nodes: dict[tuple[str, ...], Node] | None = None) -> None:
        self.nodes: dict[tuple[str, ...], Node] = nodes if nodes is not None else {}

    def table(self, path: tuple[str, ...]) -> TableData:
        node = self.nodes.get(path)
        if node is None:
            node = self.nodes[path] = TableData()
        assert isinstance(node, TableData), path
        return node

    def single(self, path: tuple[str, ...]) -> Entry:
        node = self.nodes.get(path)
        if node is None:
            node = self.nodes[path] = Entry(None)
        assert isinstance(node, Entry), path
        return node

    def copy(self) -> "ConfigTree":
        return ConfigTree({p: n.copy() for p, n in self.nodes.items()})

    def to_json(self) -> dict[str, Any]:
        return {
            " ".join(p): ({"single": n.to_json()} if isinstance(n, Entry) else {"table": n.to_json()})
            for p, n in self.nodes.items()
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ConfigTree":
        tree = cls()
        for p, n in data.items():
            path = tuple(p.split(" "))
            tree.nodes[path] = Entry.from_json(n["single"]) if "single" in n else TableData.from_json(n["table"])
        return tree

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConfigTree):
            return False
        keys = set(self.nodes) | set(other.nodes)
        return all(self._norm(self.nodes.get(k)) == self._norm(other.nodes.get(k)) for k in keys)

    @staticmethod
    def _norm(node: Node | None) -> Node | None:
        if node is None or (isinstance(node, TableData) and not node.entries):
            return None
        if isinstance(node, Entry) and not node.values and not any(t.entries for t in node.children.values()):
            return None
        return node
