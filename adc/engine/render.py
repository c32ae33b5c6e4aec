"""``get`` and ``show`` text, derived from the schema (reference §1.7 and §1.8).

``get`` prints ``%-20s: %s`` per attribute in force, nested entries as ``== [ key ]``. ``show`` prints
re-enterable config: two spaces per level, string keys double-quoted, multi-values with a trailing
space, nested tables as ``config  <name>`` (two spaces), only non-default values unless ``full``.
"""
from __future__ import annotations

from typing import Callable

from ..config import opaque
from ..config.tree import ConfigTree, Entry, TableData
from ..config.values import default_value, display, get_text, is_raw
from ..config.view import View
from ..schema.model import Attr, Table
from ..schema.registry import Schema
from ..schema.vdom import ROOT_VDOM, is_global
from .lexer import quote_value


def get_entry(view: View, table: Table, entry: Entry) -> list[str]:
    out: list[str] = []
    for item in view.items(table, entry):
        if isinstance(item, Table):
            for child in entry.children.get(item.name, TableData()):
                out.append(f"== [ {child.key} ]")
            continue
        text = get_text(item, view.value(item, entry))
        out.append(f"{item.name:<20}: {text}" if text else f"{item.name:<20}:")
    for kept in opaque.kept_of(entry).items if opaque.KEPT in entry.values else ():
        if kept.verb in ("set", "unset"):  # an attribute adc does not know, as a restored backup gave it
            out.append(f"{kept.name:<20}: {kept.text}" if kept.text else f"{kept.name:<20}:")
    return out


def get_table(data: TableData) -> list[str]:
    return [f"== [ {e.key} ]" for e in data]


def key_text(table: Table, key: str) -> str:
    if table.key == "integer":
        return key
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def set_line(attr: Attr, value: object) -> str:
    if isinstance(value, tuple):
        return f"set {attr.name} " + "".join(f"{quote_value(v)} " for v in value)
    assert isinstance(value, str)
    text = display(attr, value)
    return f"set {attr.name} {text if is_raw(attr) else quote_value(text)}"


def show_fields(view: View, table: Table, entry: Entry, indent: str, full: bool, base: Entry | None = None) -> list[str]:
    """The ``set`` lines and nested ``config`` blocks of one entry.

    ``base`` is the factory state of a predefined entry: plain ``show`` then prints only what differs
    from it (nothing when nothing does) instead of what differs from the attribute defaults.
    """
    out: list[str] = []
    plain, nested = opaque.kept_lines(entry, indent)
    attrs_end = 0  # where the known attributes' lines end: the kept set/unset lines go there
    for item in view.items(table, entry):
        if isinstance(item, Table):
            kids = entry.children.get(item.name, TableData())
            if base is not None and not full:
                lines = show_entries(view, item, kids, indent + "  ", full, base.children.get(item.name, TableData()))
                if lines or [k.key for k in kids] != [k.key for k in base.children.get(item.name, TableData())]:
                    out.extend([f"{indent}config  {item.name}", *lines, f"{indent}end"])
                continue
            out.append(f"{indent}config  {item.name}")
            out.extend(show_entries(view, item, kids, indent + "  ", full))
            out.append(f"{indent}end")
            continue
        if item.readonly:
            continue
        value = view.value(item, entry)
        was = default_value(item) if base is None else view.value(item, base)
        if value == was and (base is not None or not item.always_show) and not full:
            continue
        if value in ("", ()):
            if default_value(item) not in ("", ()):
                out.append(f'{indent}set {item.name} ""')  # emptied on purpose: say so, or a replay restores the default
            elif full or item.always_show or base is not None:
                out.append(f"{indent}unset {item.name}")
            attrs_end = len(out)
            continue
        out.append(indent + set_line(item, value))
        attrs_end = len(out)
    if plain or nested:  # lines of a restored backup adc does not know (``opaque.kept_lines``)
        out[attrs_end:attrs_end] = plain
        out.extend(nested)
    return out


def show_entries(view: View, table: Table, data: TableData, indent: str, full: bool,
                 base: TableData | None = None) -> list[str]:
    """Every entry of a table. ``show full-configuration`` prints predefined entries with all their
    values, as a real box's backup holds them; plain ``show`` prints a predefined entry only where it
    differs from its factory state (``base``: the factory's entries of this table)."""
    out: list[str] = []
    for entry in data:
        assert entry.key is not None
        if entry.reserved and not full:
            factory = base.get(entry.key) if base is not None else None
            lines = show_fields(view, table, entry, indent + "  ", False, factory) if factory is not None else []
            if lines:
                out.extend([f"{indent}edit {key_text(table, entry.key)}", *lines, f"{indent}next"])
            continue
        out.append(f"{indent}edit {key_text(table, entry.key)}")
        out.extend(show_fields(view, table, entry, indent + "  ", full))
        out.append(f"{indent}next")
    return out


def show_block(view: View, table: Table, node: TableData | Entry, full: bool, header: str | None = None,
               base: TableData | None = None) -> list[str]:
    """``config <path>`` ... ``end`` for a whole table, a single object, or one entry (wrapped in a table);
    ``base``: the factory's entries of the table (see ``show_entries``)."""
    out = [header or f"config {' '.join(table.path)}"]
    if isinstance(node, TableData):
        out.extend(show_entries(view, table, node, "  ", full, base))
    elif table.kind == "single":
        out.extend(show_fields(view, table, node, "  ", full))
    else:
        one = TableData()
        one.put(node)
        out.extend(show_entries(view, table, one, "  ", full, base))
    out.append("end")
    return out


def show_tree(view: View, schema: Schema, tree: ConfigTree, full: bool = False,
              factory: ConfigTree | None = None,
              visible: Callable[[tuple[str, ...]], bool] | None = None) -> list[str]:
    """Every table of a configuration, in the schema's order: what ``show`` prints at the top and
    ``execute backup config`` writes (replayable on a fresh appliance). ``factory``: the factory
    configuration, against which plain ``show`` compares predefined entries; ``visible``: the tables
    the reader may see (an access profile's areas)."""
    out: list[str] = []
    for table in schema.tables:
        if visible is not None and not visible(table.path):
            continue
        node = tree.nodes.get(table.path)
        if table.opaque:
            out.extend(opaque_block(table.path, node))
            continue
        if node is None:
            node = Entry(None) if table.kind == "single" else TableData()
        base = factory.nodes.get(table.path) if factory is not None else None
        out.extend(show_block(view, table, node, full, base=base if isinstance(base, TableData) else None))
    for path, node in tree.nodes.items():  # tables of paths adc does not know, kept from a restored backup
        if path not in schema.by_path and opaque.is_opaque(node) and (visible is None or visible(path)):
            out.extend(opaque_block(path, node))
    return out


def opaque_block(path: tuple[str, ...], node: object) -> list[str]:
    """A table kept as text (``adc.config.opaque``): its lines as they were given."""
    return [f"config {' '.join(path)}", *opaque.dump(opaque.block_of(node if isinstance(node, Entry) else None)), "end"]


def show_vdoms(view: View, schema: Schema, tree: ConfigTree, full: bool = False,
               factory: ConfigTree | None = None,
               visible: Callable[[tuple[str, ...]], bool] | None = None) -> list[str]:
    """The configuration as a box with virtual domains prints it (CLI744 p. 627: ``show`` gives ``config
    global`` and ``config vdom``): the global tables in ``config global``, the others in ``edit root``."""
    seen = visible if visible is not None else (lambda p: True)
    glob = show_tree(view, schema, tree, full, factory, lambda p: is_global(p) and seen(p))
    vdom = show_tree(view, schema, tree, full, factory, lambda p: not is_global(p) and seen(p))
    return ["config global", *glob, "end", "config vdom", f"edit {ROOT_VDOM}", *vdom, "next", "end"]
