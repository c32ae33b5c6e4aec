"""An entry seen through its schema: which attributes exist now, and what their values are.

Attributes can depend on other values of the same entry, or of an entry it references (``when``);
``Lookup`` is how this module reads referenced entries without knowing the store.
"""
from __future__ import annotations

from typing import Callable, Iterator, Mapping, Union

from ..schema.model import Attr, Table
from ..schema.registry import Schema
from .opaque import KEPT
from .tree import Entry, Value
from .values import default_value

Lookup = Callable[[str, str], Union[Entry, None]]  # (dotted table path, key) -> committed entry


class View:
    """Schema-aware reading of entries; one per session, bound to the store's lookup."""

    def __init__(self, schema: Schema, lookup: Lookup) -> None:
        self.schema = schema
        self.lookup = lookup
        self._by_name: dict[tuple[int, str], tuple[Attr, ...]] = {}

    def _candidates(self, table: Table, name: str) -> tuple[Attr, ...]:
        """The attributes of ``table`` called ``name``, in schema order (memoised: the schema is frozen)."""
        k = (id(table), name)
        found = self._by_name.get(k)
        if found is None:
            found = self._by_name[k] = tuple(i for i in table.items if isinstance(i, Attr) and i.name == name)
        return found

    def raw(self, table: Table, entry: Entry, name: str) -> Value:
        """The value of ``name`` in force (set, else the default of the attribute in force)."""
        attr = self.attr(table, entry, name)
        if attr is None:
            return ""
        v = entry.values.get(attr.name)
        return v if v is not None else default_value(attr)

    def text(self, table: Table, entry: Entry, name: str) -> str:
        """The value in force as one string (multi-values joined by spaces)."""
        v = self.raw(table, entry, name)
        return " ".join(v) if isinstance(v, tuple) else v

    def number(self, table: Table, entry: Entry, name: str) -> int:
        """The value in force of an integer attribute (0 where the attribute is not in force)."""
        v = self.text(table, entry, name)
        return int(v) if v.isdigit() else 0

    def words(self, table: Table, entry: Entry, name: str) -> tuple[str, ...]:
        """The value in force as a tuple of words."""
        v = self.raw(table, entry, name)
        return v if isinstance(v, tuple) else tuple(v.split())

    def stored(self, table: Table, entry: Entry, name: str) -> Value:
        """A value of a saved (normalised) entry without evaluating conditions: its own value, else the
        default of the first attribute of that name (what an index over many entries can afford)."""
        v = entry.values.get(name)
        if v is not None:
            return v
        cands = self._candidates(table, name)
        return default_value(cands[0]) if cands else ""

    def _cond_value(self, table: Table, entry: Entry, name: str) -> str:
        if "." in name:
            ref_name, _, field = name.partition(".")
            ref_attr = self.attr(table, entry, ref_name)
            if ref_attr is None or ref_attr.ref is None:
                return ""
            key = self.raw(table, entry, ref_name)
            if not isinstance(key, str) or not key:
                return ""
            target = self.lookup(ref_attr.ref, key)
            ref_table = self.schema.by_dotted.get(ref_attr.ref)
            if target is None or ref_table is None:
                return ""
            return self._cond_value(ref_table, target, field)
        return self.text(table, entry, name)

    def holds(self, table: Table, entry: Entry, when: Mapping[str, tuple[str, ...]]) -> bool:
        return all(self._cond_value(table, entry, k) in allowed for k, allowed in when.items())

    def attr(self, table: Table, entry: Entry, name: str) -> Attr | None:
        """The attribute called ``name`` whose condition holds for this entry."""
        for item in self._candidates(table, name):
            if not item.when or self.holds(table, entry, item.when):
                return item
        return None

    def items(self, table: Table, entry: Entry) -> Iterator[Attr | Table]:
        """Attributes and nested tables in force, in print order, one per name.

        Many attributes share the few values their conditions read (a virtual server's ``type``,
        ``profile.type``...): each is worked out once per walk, not once per attribute. The entry must
        not change during the walk."""
        seen: set[str] = set()
        memo: dict[str, str] = {}
        for item in table.items:
            if item.name in seen:
                continue
            if item.when:
                held = True
                for k, allowed in item.when.items():
                    v = memo.get(k)
                    if v is None:
                        v = memo[k] = self._cond_value(table, entry, k)
                    if v not in allowed:
                        held = False
                        break
                if not held:
                    continue
            seen.add(item.name)
            yield item

    def attrs(self, table: Table, entry: Entry) -> list[Attr]:
        return [i for i in self.items(table, entry) if isinstance(i, Attr)]

    def children(self, table: Table, entry: Entry) -> list[Table]:
        return [i for i in self.items(table, entry) if isinstance(i, Table)]

    def value(self, attr: Attr, entry: Entry) -> Value:
        v = entry.values.get(attr.name)
        return v if v is not None else default_value(attr)

    def normalize(self, table: Table, entry: Entry) -> None:
        """Drop values that no attribute in force holds, or that equal their default (canonical form)."""
        in_force = list(self.items(table, entry))
        live = {a.name: a for a in in_force if isinstance(a, Attr)}
        for name in list(entry.values):
            if name == KEPT:
                continue  # lines adc does not know, kept from a restored backup (``opaque.KEPT``)
            attr = live.get(name)
            if attr is None or entry.values[name] == default_value(attr):
                del entry.values[name]
        kids = {t.name for t in in_force if isinstance(t, Table)}
        for name in list(entry.children):
            if name not in kids:
                del entry.children[name]
