"""Live status commands: the session table, per virtual server and per member figures, the logs.

``STATUS_DIAGNOSE``/``STATUS_EXECUTE`` are verb tables merged into ``diagnose``/``execute``;
``STATUS_GETS`` adds ``get`` paths answered by a function of the appliance. The figures come through
``ApplianceOps`` (the data plane formats its own reports from immutable snapshots, so the console never
holds it up); this module parses the commands, keeps the session-list filter and formats sessions. An
appliance that does not serve has no live state: the commands then print their header only, or one line
saying there is no data plane.

Commands (FortiADC's names where its CLI reference has them):

- ``diagnose server-load-balance session list`` / ``session filter {'<option> <values>'|show|clear}``
  (FortiADC CLI reference, "diagnose server-load-balance session");
- ``diagnose server-load-balance slb_load`` (FortiADC CLI reference);
- ``get load-balance virtual-server-status`` and ``get load-balance real-server-status`` (emulator names:
  FortiADC shows these figures on its dashboard, not in the CLI);
- ``execute log list-type {elog|tlog|alog|all}`` (FortiADC) and ``execute log display {traffic|event}
  [<lines>]`` (emulator name: FortiADC reads logs in the GUI).
"""
from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ..errors import UsageError
from .ops import NO_DATAPLANE, ApplianceOps, SessionRow
from .verb import Verb
from .words import match

if TYPE_CHECKING:
    from .context import Context

SESSION_HEADER = ("client-ip/port virtual-server-ip/port local-ip/port real-server-ip/port protocol service state "
                  "in-bytes out-bytes expire virtual-server-name real-server-name")
U_FILTER = "Usage: diagnose server-load-balance session filter {'<option> <values>'|show|clear}"
U_LIST = "Usage: diagnose server-load-balance session list"
U_SLB_LOAD = "Usage: diagnose server-load-balance slb_load"
U_DISPLAY = "Usage: execute log display {traffic|event} [<lines>]"
U_LIST_TYPE = "Usage: execute log list-type {elog|tlog|alog|all}"
DEFAULT_TAIL = 20
MAX_TAIL = 100000
FILTER = "session-filter"  # where a session keeps its filter (``Context.state``)


def _addr(a: tuple[str, int] | None) -> str:
    return f"{a[0]}/{a[1]}" if a is not None else "-"


# ---------------------------------------------------------------------------------------------- session filter
IpRange = tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ipaddress.IPv4Address | ipaddress.IPv6Address]


@dataclass(frozen=True)
class SessionFilter:
    """What ``session filter`` commands have set; each command adds or replaces one option."""

    ips: dict[str, IpRange] = field(default_factory=dict)  # source, dest, trans-source, trans-dest
    ports: dict[str, tuple[int, int]] = field(default_factory=dict)
    vs_names: tuple[str, ...] = ()
    rs_names: tuple[str, ...] = ()
    protocol: str = ""

    def matches(self, row: SessionRow) -> bool:
        where = {"source": row.client, "dest": row.local, "trans-source": row.member_local, "trans-dest": row.member_addr}
        for key, (lo, hi) in self.ips.items():
            a = where[key]
            try:
                ip = ipaddress.ip_address(a[0]) if a is not None else None
            except ValueError:
                return False
            if ip is None or ip.version != lo.version or not lo <= ip <= hi:  # type: ignore[operator]
                return False
        for key, (plo, phi) in self.ports.items():
            a = where[key]
            if a is None or not plo <= a[1] <= phi:
                return False
        if self.vs_names and row.vs not in self.vs_names:
            return False
        if self.rs_names and row.member_name not in self.rs_names:
            return False
        return not (self.protocol and self.protocol != "tcp")  # every session the emulator holds is TCP

    def show(self) -> list[str]:
        def ips(key: str) -> str:
            r = self.ips.get(key)
            p = self.ports.get(key, (0, 0))
            lo, hi = (str(r[0]), str(r[1])) if r else ("::", "::")
            return f"ip range: {lo} - {hi} port range: {p[0]} - {p[1]}"

        proto = {"tcp": 6, "udp": 17}.get(self.protocol, 0)
        return [f"filter=[flag:{self.flag():x} type:0 protocol:{proto} service:0",
                f"source {ips('source')}", f"dest {ips('dest')}",
                f"trans source {ips('trans-source')}", f"trans dest {ips('trans-dest')}",
                "virtual server:" + "".join(" " + n for n in self.vs_names),
                "real server:" + "".join(" " + n for n in self.rs_names) + "]"]

    def flag(self) -> int:
        bits = {"source": 0x1, "dest": 0x4, "trans-source": 0x10, "trans-dest": 0x40}
        value = sum(bits[k] for k in self.ips) + sum(bits[k] * 2 for k in self.ports)
        return value + (0x200 if self.protocol else 0) + (0x1000 if self.vs_names else 0) + (0x2000 if self.rs_names else 0)


# option word -> (kind, key); ``client-ip``/``client-port`` are the emulator's aliases of source-*.
_FILTER_OPTIONS: dict[str, tuple[str, str]] = {
    "source-ip": ("ip", "source"), "source-port": ("port", "source"),
    "client-ip": ("ip", "source"), "client-port": ("port", "source"),
    "dest-ip": ("ip", "dest"), "dest-port": ("port", "dest"),
    "trans-source-ip": ("ip", "trans-source"), "trans-source-port": ("port", "trans-source"),
    "trans-dest-ip": ("ip", "trans-dest"), "trans-dest-port": ("port", "trans-dest"),
    "vs-name": ("names", "vs"), "rs-name": ("names", "rs"), "protocol": ("protocol", ""),
}

def session_filter(ctx: Context) -> SessionFilter:
    """The filter of one console session (FortiADC keeps one per CLI session)."""
    flt = ctx.state.get(FILTER)
    return flt if isinstance(flt, SessionFilter) else SessionFilter()


def parse_filter(current: SessionFilter, words: list[str]) -> SessionFilter:
    """Apply one ``filter '<option> <values>'`` to ``current``."""
    if not words:
        raise UsageError(U_FILTER)
    kind, key = _FILTER_OPTIONS[match(words[0], list(_FILTER_OPTIONS), UsageError(U_FILTER))]
    values = words[1:]
    if kind == "names":
        if not 1 <= len(values) <= 8:
            raise UsageError(U_FILTER)
        return replace(current, vs_names=tuple(values)) if key == "vs" else replace(current, rs_names=tuple(values))
    if kind == "protocol":
        if len(values) != 1:
            raise UsageError(U_FILTER)
        return replace(current, protocol=match(values[0].lower(), ["tcp", "udp"], UsageError(U_FILTER)))
    if not 1 <= len(values) <= 2:
        raise UsageError(U_FILTER)
    if kind == "ip":
        try:
            lo = ipaddress.ip_address(values[0])
            hi = ipaddress.ip_address(values[-1])
        except ValueError:
            raise UsageError(U_FILTER) from None
        if lo.version != hi.version or hi < lo:  # type: ignore[operator]
            raise UsageError(U_FILTER)
        return replace(current, ips={**current.ips, key: (lo, hi)})
    if not all(v.isdigit() for v in values):
        raise UsageError(U_FILTER)
    plo, phi = int(values[0]), int(values[-1])
    if not 0 <= plo <= phi <= 65535:
        raise UsageError(U_FILTER)
    return replace(current, ports={**current.ports, key: (plo, phi)})


def _filter(ctx: Context, args: list[str]) -> list[str]:
    words = " ".join(args).split()
    if not words or words == ["clear"]:
        ctx.state.pop(FILTER, None)
        return []
    if words == ["show"]:
        return session_filter(ctx).show()
    ctx.state[FILTER] = parse_filter(session_filter(ctx), words)
    return []


def format_session(row: SessionRow) -> str:
    """One session in the header's column order (``expire``: seconds left before the idle timeout)."""
    return " ".join([
        _addr(row.client), _addr(row.local), _addr(row.member_local), _addr(row.member_addr),
        "tcp", row.protocol, "established", str(row.bytes_in), str(row.bytes_out), str(row.expire),
        row.vs, row.member_name or "-",
    ])


def session_lines(rows: Sequence[SessionRow] | None, flt: SessionFilter) -> list[str]:
    return [SESSION_HEADER] + [format_session(r) for r in rows or () if flt.matches(r)]


def _list(ctx: Context, args: list[str]) -> list[str]:
    if args:
        raise UsageError(U_LIST)
    return session_lines(ctx.app.sessions(), session_filter(ctx))


def _slb_load(ctx: Context, args: list[str]) -> list[str]:
    if args:
        raise UsageError(U_SLB_LOAD)
    lines = ctx.app.live_report("slb_load")
    return ["vdom name is root"] + ([] if lines == [NO_DATAPLANE] else lines)


# ---------------------------------------------------------------------------------------------- logs
def _display(ctx: Context, args: list[str]) -> list[str]:
    if not 1 <= len(args) <= 2:
        raise UsageError(U_DISPLAY)
    kind = match(args[0], ["traffic", "event"], UsageError(U_DISPLAY))
    count = DEFAULT_TAIL
    if len(args) == 2:
        if not args[1].isdigit() or not 1 <= int(args[1]) <= MAX_TAIL:
            raise UsageError(U_DISPLAY)
        count = int(args[1])
    lines = ctx.app.log_tail(kind, count)
    return [NO_DATAPLANE] if lines is None else lines


_LIST_KINDS = {"elog": ("event",), "tlog": ("traffic",), "alog": (), "all": ("event", "traffic")}


def _list_type(ctx: Context, args: list[str]) -> list[str]:
    if len(args) != 1:
        raise UsageError(U_LIST_TYPE)
    which = match(args[0], list(_LIST_KINDS), UsageError(U_LIST_TYPE))
    out: list[str] = []
    for kind in _LIST_KINDS[which]:
        files = ctx.app.log_files(kind)
        if files is None:
            return [NO_DATAPLANE]
        out += files
    return out


STATUS_DIAGNOSE: tuple[Verb, ...] = (
    Verb(("server-load-balance", "session", "filter"), "set, show or clear the session list filter", U_FILTER, _filter),
    Verb(("server-load-balance", "session", "list"), "list the sessions that match the filter", U_LIST, _list),
    Verb(("server-load-balance", "slb_load"), "display the virtual servers and their real servers", U_SLB_LOAD, _slb_load),
)
STATUS_EXECUTE: tuple[Verb, ...] = (
    Verb(("log", "display"), "display the last lines of a log", U_DISPLAY, _display),
    Verb(("log", "list-type"), "list log files by type", U_LIST_TYPE, _list_type),
)
STATUS_GETS: dict[tuple[str, ...], tuple[str, Callable[[ApplianceOps], list[str]]]] = {
    ("load-balance", "virtual-server-status"): ("virtual server status and statistics",
                                                lambda app: app.live_report("virtual-server-status")),
    ("load-balance", "real-server-status"): ("pool member status and statistics",
                                             lambda app: app.live_report("real-server-status")),
}
