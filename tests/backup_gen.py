"""A backup in the format a real FortiADC 7.4 writes, generated from the schema.

``everything()`` makes a configuration with an entry in every table of the schema and a value typed for
every attribute in force (``test_schema_tree``'s builder, through a real session), beside the predefined
entries a fresh appliance holds. ``write()`` prints a configuration the way a real box's backup holds it,
written here independently of ``adc.engine.render``: ``#`` header lines, every table in the schema's
order, predefined entries with all their values, ``unset`` for empty values, nested tables as
``config  <name>`` (two spaces), string keys quoted, lists with a trailing space, secrets as ``ENC``.
``grow()`` adds ordinary virtual servers, pools and real servers until the text has a given length.
"""
from __future__ import annotations


from adc.config.tree import ConfigTree, Entry, TableData
from adc.config.values import KINDS
from adc.config.view import View
from adc.engine.session import Session
from adc.schema.model import Attr, Table
from adc.schema.registry import Schema

HEADER = [
    "#config-version=FADV0H-7.04-FW-build0430-240531:opmode=0:vdom=0:user=admin",
    "#conf_file_ver=4051398236510498717",
    "#buildno=0430",
    "#global_vdom=1",
]
# What a table kept as text (attributes not described by the reference) holds here, as a box prints it.
OPAQUE_BLOCK = [
    '  edit "e1"',
    "    set status enable",
    '    set url "https://hooks.example.com/adc alert"',
    "    set port 443",
    "    config  http-header",
    "      edit 1",
    "        set name X-Token",
    "        set value ENC AbCd0123==",
    "      next",
    "    end",
    "    unset comments",
    "  next",
]
SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/@*,=+%!~[]{}$^&|;`?()")


def _word(v: str) -> str:
    return v if v and set(v) <= SAFE else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _set(a: Attr, v: str | tuple[str, ...]) -> str:
    if isinstance(v, tuple):
        return f"set {a.name} " + "".join(_word(x) + " " for x in v)
    if a.kind in ("password", "passhash"):  # stored as ciphertext or hash: a backup carries it as is
        return f"set {a.name} ENC {v}"
    if KINDS[a.kind].raw:
        return f"set {a.name} {v}"
    return f"set {a.name} {_word(v)}"


def _fields(view: View, t: Table, e: Entry, ind: str) -> list[str]:
    out: list[str] = []
    for item in view.items(t, e):
        if isinstance(item, Table):
            out.append(f"{ind}config  {item.name}")
            out += _entries(view, item, e.children.get(item.name, TableData()), ind + "  ")
            out.append(f"{ind}end")
            continue
        if item.readonly:
            continue
        v = e.values.get(item.name)
        default: str | tuple[str, ...] = tuple(item.default.split()) if item.multi else item.default
        v = default if v is None else v
        if v in ("", ()):
            out.append(f'{ind}set {item.name} ""' if default not in ("", ()) else f"{ind}unset {item.name}")
        else:
            out.append(ind + _set(item, v))
    return out


def _entries(view: View, t: Table, data: TableData, ind: str) -> list[str]:
    out: list[str] = []
    for e in data:
        key = e.key or ""
        out += [f"{ind}edit {key if t.key == 'integer' else chr(34) + key + chr(34)}",
                *_fields(view, t, e, ind + "  "), f"{ind}next"]
    return out


def write(schema: Schema, tree: ConfigTree, view: View) -> list[str]:
    """The backup of ``tree``: header lines, then every table of ``schema`` in order, predefined
    entries included, every attribute in force."""
    out = list(HEADER)
    for t in schema.tables:
        node = tree.nodes.get(t.path)
        out.append(f"config {' '.join(t.path)}")
        if t.opaque:
            out += OPAQUE_BLOCK if node is not None else []
        elif t.kind == "single":
            out += _fields(view, t, node if isinstance(node, Entry) else Entry(None), "  ")
        else:
            out += _entries(view, t, node if isinstance(node, TableData) else TableData(), "  ")
        out.append("end")
    return out


def everything() -> Session:
    """A session holding an entry in every table, every attribute in force given a value."""
    from .test_schema_tree import _build_everything

    s, out = _build_everything()
    assert not out.failed, out.failed
    return s


def grow(lines: list[str], target: int) -> list[str]:
    """``lines`` (a backup) with ordinary real servers, pools and virtual servers added to the end of
    their tables' blocks until it has at least ``target`` lines."""
    n = max(0, (target - len(lines)) // 20 + 1)  # 20 lines each
    extra = {
        "config load-balance real-server": [x for i in range(n) for x in (
            f'  edit "grow-rs{i}"', f"    set ip 10.{100 + i // 250}.{i % 250}.1", "  next")],
        "config load-balance pool": [x for i in range(n) for x in (
            f'  edit "grow-pool{i}"', "    config  pool_member", "      edit 1", "        set pool_member_service_port 8080",
            f"        set real-server grow-rs{i}", "      next", "    end", "  next")],
        "config load-balance virtual-server": [x for i in range(n) for x in (
            f'  edit "grow-vs{i}"', "    set type l7-load-balance", f"    set ip 172.20.{i // 250}.{i % 250 + 1}",
            "    set port 80", "    set load-balance-profile LB_PROF_HTTP",
            "    set load-balance-method LB_METHOD_ROUND_ROBIN", f"    set load-balance-pool grow-pool{i}",
            '    set comments "grown entry"', "  next")],
    }
    out: list[str] = []
    current = ""
    for line in lines:
        if line.startswith("config "):
            current = line
        if line == "end" and current in extra:
            out += extra.pop(current)
        out.append(line)
    return out
