"""Tables kept as text: what a real box writes for a table whose attributes adc does not know.

Some tables a FortiADC 7.4 box has and writes into its backups are named by the CLI Reference without a
syntax block (``system alert-webhook``, ``log setting global_faz``...); a table of a newer firmware is not
named at all. Their lines are kept as they came, so a backup restores and prints back every line: the
``set``/``unset`` lines and ``edit``/``config`` blocks of one table form a ``Block``, stored in the tree as
the ``show`` lines of the table (one ``Entry`` value, ``OPAQUE``) so that persistence needs nothing new.
A ``set`` of a name already set replaces that line in place, as a box prints one line per attribute.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .tree import Entry

OPAQUE = "#lines"  # the value of an opaque table's Entry that holds its show lines (no attribute has '#')


@dataclass
class Item:
    verb: str  # "set", "unset", "edit" or "config"
    name: str  # the attribute, the entry key (unquoted) or the nested table
    text: str = ""  # a set line's values, as typed
    block: "Block | None" = None  # an edit or config block


@dataclass
class Block:
    items: list[Item] = field(default_factory=list)

    def names(self, verb: str) -> list[str]:
        return [i.name for i in self.items if i.verb == verb]

    def _find(self, verbs: tuple[str, ...], name: str) -> int:
        for n, i in enumerate(self.items):
            if i.verb in verbs and i.name == name:
                return n
        return -1

    def put(self, verb: str, name: str, text: str = "") -> None:
        """``set``/``unset`` a name: in the place of its earlier line, else last."""
        n = self._find(("set", "unset"), name)
        item = Item(verb, name, text)
        if n < 0:
            self.items.append(item)
        else:
            self.items[n] = item

    def open(self, verb: str, name: str) -> "Block":
        """The block of ``edit <key>`` / ``config <name>``, made (last) when new."""
        n = self._find((verb,), name)
        if n >= 0:
            found = self.items[n].block
            assert found is not None
            return found
        block = Block()
        self.items.append(Item(verb, name, block=block))
        return block

    def delete(self, key: str) -> bool:
        n = self._find(("edit",), key)
        if n >= 0:
            del self.items[n]
        return n >= 0

    def copy(self) -> "Block":
        return Block([Item(i.verb, i.name, i.text, i.block.copy() if i.block else None) for i in self.items])


def key_text(key: str) -> str:
    """An entry key as a box prints it: a number bare, a name quoted (the table's key kind is unknown)."""
    if key.isdigit():
        return key
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dump(block: Block, indent: str = "  ") -> list[str]:
    """The ``show`` lines of a block (nested ``config  <name>`` with two spaces, as a box prints them)."""
    out: list[str] = []
    for i in block.items:
        if i.verb == "set":
            out.append(f"{indent}set {i.name} {i.text}" if i.text else f"{indent}set {i.name}")
        elif i.verb == "unset":
            out.append(f"{indent}unset {i.name}")
        else:
            assert i.block is not None
            head = f"edit {key_text(i.name)}" if i.verb == "edit" else f"config  {i.name}"
            out.extend([indent + head, *dump(i.block, indent + "  "), indent + ("next" if i.verb == "edit" else "end")])
    return out


def _unquote(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] == '"':
        return word[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return word


def load(lines: tuple[str, ...] | list[str]) -> Block:
    """The block that ``dump`` printed (what the tree stores)."""
    root = Block()
    stack = [root]
    for raw in lines:
        verb, _, tail = raw.lstrip().partition(" ")
        rest = tail.strip()
        if verb in ("set", "unset"):
            name, _, values = tail.lstrip().partition(" ")
            stack[-1].items.append(Item(verb, name, values.lstrip()))  # a list's trailing space stays
        elif verb in ("edit", "config"):
            block = Block()
            stack[-1].items.append(Item(verb, _unquote(rest) if verb == "edit" else rest, block=block))
            stack.append(block)
        elif verb in ("next", "end") and len(stack) > 1:
            stack.pop()
    return root


def block_of(entry: Entry | None) -> Block:
    value = entry.values.get(OPAQUE, ()) if entry is not None else ()
    return load(value if isinstance(value, tuple) else (value,))


def entry_of(block: Block) -> Entry:
    """The tree's node for a block; an empty block is an empty object, as an untouched table is."""
    return Entry(None, {OPAQUE: tuple(dump(block))} if block.items else {})


def is_opaque(node: object) -> bool:
    """Whether a tree node holds a table kept as text."""
    return isinstance(node, Entry) and OPAQUE in node.values


# ---- lines kept as text inside an entry of a known table (a restored backup's unknown attributes)
KEPT = "#kept"  # the value of a known table's Entry holding its kept lines (no attribute has '#')


def kept_of(entry: Entry) -> Block:
    """The lines of ``entry`` that adc does not know (``set``/``unset`` of unknown attributes and
    ``config`` blocks of unknown nested tables), in the order they came."""
    value = entry.values.get(KEPT, ())
    return load(value if isinstance(value, tuple) else (value,))


def keep(entry: Entry, block: Block) -> None:
    """Store ``block`` as the kept lines of ``entry`` (none: the value goes, the entry is as before)."""
    if block.items:
        entry.values[KEPT] = tuple(dump(block, ""))
    else:
        entry.values.pop(KEPT, None)


def kept_lines(entry: Entry, indent: str) -> tuple[list[str], list[str]]:
    """The ``show`` lines of the kept text of ``entry``: its ``set``/``unset`` lines (printed after the
    known attributes) and its ``config`` blocks (after the known nested tables)."""
    if KEPT not in entry.values:
        return [], []
    block = kept_of(entry)
    plain = Block([i for i in block.items if i.verb in ("set", "unset")])
    nested = Block([i for i in block.items if i.verb not in ("set", "unset")])
    return dump(plain, indent), dump(nested, indent)
