"""``diagnose server-load-balance persistence``, ``session clear`` and ``diagnose debug`` (CLI744 p. 514-549).

- ``persistence filter {'<option> <values>'|show|clear}``, ``list``, ``clear [l4]``: the data plane's
  persistence tables (source-address and ssl-session-id persistence keep entries; the hashing and cookie
  types keep none, their state travels with the request). ``list`` prints the reference's header, then one
  line per entry in its columns: the persistence key stands in ``client-ip/port`` (a source network, or
  an SSL session id), the member in ``real-server-ip/port``, the persistence type in ``service``, state
  ``persist``, the seconds left in ``expire``. ``clear`` empties the tables of the virtual servers the
  filter names (all of them without a ``vs-name`` filter).
- ``session clear [l4]``: closes the client sessions that match the session filter.
- ``debug enable|disable``, ``debug timestamp enable|disable``, ``debug cmdb [<0-8>]``, ``debug info``: kept
  per console session and shown by ``debug info``. The data plane's debug lines go to ``adc.log`` in the
  data directory, not across the prompt.
"""
from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any, Callable

from ..errors import UsageError
from .ops import NO_DATAPLANE, PersistenceRow
from .status_verbs import SESSION_HEADER, SessionFilter, parse_filter, session_filter
from .verb import Verb
from .words import match

if TYPE_CHECKING:
    from .context import Context

U_PFILTER = "Usage: diagnose server-load-balance persistence filter {'<option> <values>'|show|clear}"
U_PLIST = "Usage: diagnose server-load-balance persistence list"
U_PCLEAR = "Usage: diagnose server-load-balance persistence clear [l4]"
U_SCLEAR = "Usage: diagnose server-load-balance session clear [l4]"
U_CMDB = "Usage: diagnose debug cmdb [<0-8>]"
U_DEBUG = "Usage: diagnose debug {enable|disable}"
U_TIMESTAMP = "Usage: diagnose debug timestamp {enable|disable}"
U_INFO = "Usage: diagnose debug info"
PFILTER = "persistence-filter"
PERSISTENCE_OPTIONS = ("source-ip", "source-port", "dest-ip", "dest-port", "vs-name")
DEBUG = "debug"  # ctx.state key: {"output": bool, "timestamp": bool, "cmdb": int}
DAEMONS = ("kernel", "cli/cmdb", "cmdb_event", "gdns", "kernelconfd", "info_centerd", "hasyncd", "updated", "miglogd",
           "sshd", "healthcheckd", "netd", "lb", "udproxyd", "httproxyd", "dnsproxyd", "alertmaild", "synconf", "ntpd",
           "crlupdated", "snmpd", "flg_indexd", "flg_reportd", "flg_accessd", "rtmd", "ospfd", "llb")


# ---------------------------------------------------------------------------------------------- persistence
def persistence_filter(ctx: "Context") -> SessionFilter:
    flt = ctx.state.get(PFILTER)
    return flt if isinstance(flt, SessionFilter) else SessionFilter()


def show_persistence_filter(f: SessionFilter) -> list[str]:
    """The reference's shorter form (CLI744 p. 547): no trans-* lines, no real servers."""
    lines = f.show()
    flag = f.flag() & 0x100F | (0x1000 if f.vs_names else 0)
    return [f"filter=[flag:{flag:x}", lines[1], lines[2], lines[5].rstrip() + " ]"]


def _pfilter(ctx: "Context", args: list[str]) -> list[str]:
    words = " ".join(args).split()
    if not words or words == ["clear"]:
        ctx.state.pop(PFILTER, None)
        return []
    if words == ["show"]:
        return show_persistence_filter(persistence_filter(ctx))
    match(words[0], PERSISTENCE_OPTIONS, UsageError(U_PFILTER))
    ctx.state[PFILTER] = parse_filter(persistence_filter(ctx), words)
    return []


def _key_address(key: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_network(key, strict=False).network_address
    except ValueError:
        return None  # an SSL session id


def persistence_matches(f: SessionFilter, row: PersistenceRow) -> bool:
    if f.vs_names and row.vs not in f.vs_names:
        return False
    if "source" in f.ips:
        lo, hi = f.ips["source"]
        ip = _key_address(row.key)
        if ip is None or ip.version != lo.version or not lo <= ip <= hi:  # type: ignore[operator]
            return False
    # the entries keep no destination and no client port: a filter on them matches none
    return not ({"dest"} & set(f.ips) or set(f.ports))


def format_persistence(row: PersistenceRow) -> str:
    key = row.key if "/" in row.key else row.key + "/-"
    return " ".join([key, "-", "-", f"{row.member_addr[0]}/{row.member_addr[1]}", "tcp", row.type, "persist",
                     "0", "0", str(row.expire), row.vs, row.member])


def _plist(ctx: "Context", args: list[str]) -> list[str]:
    if args:
        raise UsageError(U_PLIST)
    rows = ctx.app.persistence()
    if rows is None:
        return [SESSION_HEADER, NO_DATAPLANE]
    flt = persistence_filter(ctx)
    return [SESSION_HEADER] + [format_persistence(r) for r in rows if persistence_matches(flt, r)]


def _pclear(ctx: "Context", args: list[str]) -> list[str]:
    if len(args) > 1 or (args and args[0] != "l4"):
        raise UsageError(U_PCLEAR)
    ctx.app.clear_persistence(persistence_filter(ctx).vs_names)
    return []


def _sclear(ctx: "Context", args: list[str]) -> list[str]:
    if len(args) > 1 or (args and args[0] != "l4"):
        raise UsageError(U_SCLEAR)
    rows = ctx.app.sessions()
    if rows is None:
        return [NO_DATAPLANE]
    flt = session_filter(ctx)
    ctx.app.close_sessions([r.id for r in rows if flt.matches(r)])
    return []


# ---------------------------------------------------------------------------------------------- debug
def _debug(ctx: "Context") -> dict[str, object]:
    got = ctx.state.get(DEBUG)
    if not isinstance(got, dict):
        fresh: dict[str, object] = {"output": False, "timestamp": False, "cmdb": 0}
        ctx.state[DEBUG] = got = fresh
    return got


def _on_off(usage: str, key: str) -> Callable[["Context", list[str]], Any]:
    def run(ctx: "Context", args: list[str]) -> list[str]:
        if len(args) != 1:
            raise UsageError(usage)
        _debug(ctx)[key] = match(args[0], ("enable", "disable"), UsageError(usage)) == "enable"
        return []

    return run


def _switch(value: bool, usage: str) -> Callable[["Context", list[str]], Any]:
    def run(ctx: "Context", args: list[str]) -> list[str]:
        if args:
            raise UsageError(usage)
        _debug(ctx)["output"] = value
        return []

    return run


def _cmdb(ctx: "Context", args: list[str]) -> list[str]:
    state = _debug(ctx)
    if not args:
        return [f"cli/cmdb debug level: {state['cmdb']}"]
    if len(args) != 1 or not args[0].isdigit() or not 0 <= int(args[0]) <= 8:
        raise UsageError(U_CMDB)
    state["cmdb"] = int(args[0])
    return []


def _info(ctx: "Context", args: list[str]) -> list[str]:
    if args:
        raise UsageError(U_INFO)
    state = _debug(ctx)
    out = [f"debug output: {'enable' if state['output'] else 'disable'}"]
    for d in DAEMONS:
        level = int(str(state["cmdb"])) if d == "cli/cmdb" else 0
        out.append(f"{d} debug level: {level} (0x{level:x})")
    return out


DIAG_VERBS: tuple[Verb, ...] = (
    Verb(("debug", "cmdb"), "cmdb debug level", U_CMDB, _cmdb),
    Verb(("debug", "disable"), "disable debug output", U_DEBUG, _switch(False, U_DEBUG)),
    Verb(("debug", "enable"), "enable debug output", U_DEBUG, _switch(True, U_DEBUG)),
    Verb(("debug", "info"), "show debug info", U_INFO, _info),
    Verb(("debug", "timestamp"), "timestamp debug messages", U_TIMESTAMP, _on_off(U_TIMESTAMP, "timestamp")),
    Verb(("server-load-balance", "persistence", "clear"), "clear the persistence entries", U_PCLEAR, _pclear),
    Verb(("server-load-balance", "persistence", "filter"), "set, show or clear the persistence list filter",
         U_PFILTER, _pfilter),
    Verb(("server-load-balance", "persistence", "list"), "list the persistence entries that match the filter",
         U_PLIST, _plist),
    Verb(("server-load-balance", "session", "clear"), "close the sessions that match the filter", U_SCLEAR, _sclear),
)
