"""Commands inside a table kept as text (``adc.config.opaque``): its attributes are not known, so any
``set <name> <values...>``, ``unset <name>``, ``edit <key>`` and ``config <name>`` is taken and kept as
typed; ``show`` prints the lines back, ``get`` lists them, the last ``end`` commits the table.

Also the restore rule for a table adc does not know at all (a newer firmware's): a restored backup's
``config <unknown path>`` block is kept the same way, with a notice naming it, so nothing in the backup is
lost; at the console an unknown path stays a parse error, as on the box. Inside an entry of a known
table, a restored backup's ``set``/``unset`` of an unknown attribute and ``config`` of an unknown nested
table are kept the same way on the entry (``opaque.KEPT``).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..config import opaque
from ..config.store import Change
from ..config.tree import Entry
from ..errors import CommandFail, FieldParseError, ParsingError
from ..schema.model import Table
from .commands import OPAQUE_COMMANDS
from .frames import EntryFrame, OpaqueFrame
from .words import match

if TYPE_CHECKING:
    from .context import Context

NOT_DESCRIBED = "the CLI Reference does not describe the attributes of {}: the lines are kept as typed"
# the values of a set line as typed: after the verb and the (possibly quoted) attribute name
_VALUES = re.compile(r'^\s*\S+\s+(?:"(?:[^"\\]|\\.)*"|\'[^\']*\'|\S)*[ \t]*(.*)$', re.S)


def values_text(raw: str) -> str | None:
    """The values of a ``set`` line as typed; a trailing space (a box ends a list so) is kept as one."""
    m = _VALUES.match(raw)
    if m is None:
        return None
    body = m.group(1).rstrip()
    return body + " " if body and m.group(1) != body and m.group(1)[len(body):].strip("\r\n") else body


def unknown_table(path: tuple[str, ...]) -> Table:
    """A table of a path the schema does not have, kept as text (restore only)."""
    return Table(name=path[-1], path=path, help=" ".join(path), kind="single", items=(), opaque=True)


def open_frame(ctx: "Context", table: Table) -> OpaqueFrame:
    node = ctx.store.tree.nodes.get(table.path)
    return OpaqueFrame(table, opaque.block_of(node if isinstance(node, Entry) else None), [])


def keep_unknown(ctx: "Context", args: list[str]) -> OpaqueFrame:
    """``config <unknown path>`` in a restored backup: keep its block as text and say so."""
    path = tuple(args)
    ctx.notes.append(f"restore: table '{' '.join(path)}' is not known to adc: its lines are kept as text")
    return open_frame(ctx, unknown_table(path))


def keep_nested(ctx: "Context", owner: EntryFrame, name: str) -> OpaqueFrame:
    """``config <name>`` of a nested table adc does not know, inside an entry of a known table of a
    restored backup: its block is kept as text on the entry (``opaque.KEPT``), with a notice."""
    ctx.notes.append(f"restore: {' '.join(owner.table.path)}: table '{name}' is not known to adc: kept as text")
    root = opaque.kept_of(owner.work)
    return OpaqueFrame(owner.table, root, [("config", name, root.open("config", name))], owner)


def keep_attr(ctx: "Context", frame: EntryFrame, verb: str, name: str, raw: str) -> None:
    """``set``/``unset`` of an attribute adc does not know, in an entry of a known table of a restored
    backup: the line is kept as text on the entry (in the place of an earlier line of that name)."""
    ctx.notes.append(f"restore: {' '.join(frame.table.path)}: attribute '{name}' is not known to adc: kept as text")
    block = opaque.kept_of(frame.work)
    if verb == "set":
        text = values_text(raw)
        block.put("set", name, text if text is not None else "")
    else:
        block.put("unset", name)
    opaque.keep(frame.work, block)


def drop_attr(frame: EntryFrame, name: str) -> bool:
    """``unset <name>`` at the console of an attribute kept as text: its line goes (False: none kept)."""
    block = opaque.kept_of(frame.work)
    n = len(block.items)
    block.items = [i for i in block.items if not (i.verb in ("set", "unset") and i.name == name)]
    opaque.keep(frame.work, block)
    return len(block.items) != n


def run(ctx: "Context", frame: OpaqueFrame, words: list[str], raw: str) -> list[str]:
    """One command inside ``frame``; ``raw`` is the command as typed (a set line keeps its values so)."""
    verb = match(words[0], OPAQUE_COMMANDS, ParsingError)
    args = words[1:]
    block = frame.block
    if verb in ("set", "unset", "edit", "delete", "config"):
        if verb in ("set", "unset", "delete") or args[:1] and args[0] not in block.names(verb):
            ctx.access.check_write(frame.table.path)  # read access opens what exists, changes nothing
        if not args or (verb != "set" and len(args) != 1):
            raise FieldParseError(verb if not args else args[1])
    if verb == "set":
        text = values_text(raw)
        block.put("set", args[0], text if text is not None else " ".join(args[1:]))
    elif verb == "unset":
        block.put("unset", args[0])
    elif verb in ("edit", "config"):
        frame.open.append((verb, args[0], block.open(verb, args[0])))
    elif verb == "delete":
        if not block.delete(args[0]):
            raise CommandFail(-13, f"entry '{args[0]}' not found in {frame.table.dotted}")
    elif verb == "next":
        if args or not frame.open or frame.open[-1][0] != "edit":
            raise FieldParseError(args[0] if args else "next")
        frame.open.pop()
    elif verb in ("end", "abort"):
        if args:
            raise FieldParseError(args[0])
        if frame.open and frame.open[-1][0] == "edit":
            frame.open.pop()  # ``end`` in an entry leaves it and its table, as elsewhere
        if frame.open:
            frame.open.pop()
            if frame.owner is not None and not frame.open:  # back in the known entry that holds the block
                ctx.frames.pop()
                if verb == "end":
                    opaque.keep(frame.owner.work, frame.root)
            return []
        ctx.frames.pop()
        saved = ctx.store.tree.nodes.get(frame.table.path)
        if verb == "end" and frame.root != opaque.block_of(saved if isinstance(saved, Entry) else None):
            ctx.commit(Change(frame.table.path, None, opaque.entry_of(frame.root)))
    elif verb == "show":
        return show_lines(frame, args)
    elif verb == "get":
        return get_lines(block)
    return []


def show_lines(frame: OpaqueFrame, args: list[str]) -> list[str]:
    if args and args[0] != "full-configuration" or len(args) > 1:
        raise ParsingError()
    if not frame.open:
        return [f"config {' '.join(frame.table.path)}", *opaque.dump(frame.root), "end"]
    verb, name, block = frame.open[-1]
    head = f"edit {opaque.key_text(name)}" if verb == "edit" else f"config {name}"
    return [head, *opaque.dump(block), "next" if verb == "edit" else "end"]


def get_lines(block: opaque.Block) -> list[str]:
    out = []
    for i in block.items:
        if i.verb == "edit":
            out.append(f"== [ {i.name} ]")
        else:
            text = i.text if i.verb == "set" else ""
            out.append(f"{i.name:<20}: {text}" if text else f"{i.name:<20}:")
    return out


def show_table(table: Table, node: object, key: str | None = None) -> list[str]:
    """``show <path> [<key>]`` at the top: the table's block, or one ``edit`` block of it."""
    block = opaque.block_of(node if isinstance(node, Entry) else None)
    lines = opaque.dump(block)
    if key is not None:
        kept = [i for i in block.items if i.verb == "edit" and i.name == key]
        if not kept:
            raise CommandFail(-13, f"entry '{key}' not found in {table.dotted}")
        lines = opaque.dump(opaque.Block(kept))
    return [f"config {' '.join(table.path)}", *lines, "end"]


def candidates(ctx: "Context", frame: OpaqueFrame, verb: str, rest: list[str]) -> list[tuple[str, str]]:
    """``?`` and Tab: one line saying the attributes are not described, and the names already there."""
    block = frame.block
    if verb in ("set", "unset"):
        if rest:
            return [("<value>", NOT_DESCRIBED.format(frame.table.dotted))] if verb == "set" and len(rest) == 1 else []
        names = [(i.name, f"{i.verb} {i.text}".strip()) for i in block.items if i.verb in ("set", "unset")]
        return [("<name>", NOT_DESCRIBED.format(frame.table.dotted))] + names
    if verb in ("edit", "delete") and not rest:
        keys = [(k, frame.table.dotted) for k in block.names("edit")]
        return ([("<name>", f"{frame.table.help} entry")] if verb == "edit" else []) + keys
    if verb == "config" and not rest:
        return [("<name>", NOT_DESCRIBED.format(frame.table.dotted))] + [(n, n) for n in block.names("config")]
    return []
