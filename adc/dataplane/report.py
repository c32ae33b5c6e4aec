"""The data plane's live reports, as ``get``/``diagnose`` print them: pure functions of its state.

They read immutable snapshots (the runtimes dict is replaced at a commit, never mutated; ``Stats``
copies its figures under its lock), so the console never holds the data plane up.

- ``get load-balance virtual-server-status`` and ``real-server-status`` (our names: FortiADC shows
  these figures on its dashboard, not in the CLI): a virtual server is ``available`` only when it is
  served (every listener bound) and a member is in service, else ``unavailable`` with a ``reason``;
  a member shows its failed connects beside its health;
- ``diagnose server-load-balance slb_load`` (FortiADC CLI reference): per VS, each member with status 1
  (in service) or 0, weight 0 (the dynamic weight, which only the dynamic-load method would compute).
"""
from __future__ import annotations

import time
from typing import Mapping

from ..config.values import port_text
from .lb import Counters
from .runtime import VsRuntime
from .spec import PoolSpec
from .stats import Stats


def _row(label: str, value: object) -> str:
    return f"{label:<20}: {value}"


def slb_load(runtimes: Mapping[str, VsRuntime], counters: Counters) -> list[str]:
    """Per virtual server, its members (the ``vdom name is root`` header is the command's)."""
    out: list[str] = []
    for name, rt in sorted(runtimes.items()):
        out.append(f"virtual-server {name}")
        for m in (m for p in rt.spec.pools for m in p.members):
            up = counters.healthy(m.ident) and m.status == "enable"
            out += [f"real-server {m.real_server}", f"id:{m.key}, status {1 if up else 0}, weight 0"]
    return out


def virtual_server_status(runtimes: Mapping[str, VsRuntime], counters: Counters, stats: Stats,
                          unserved: Mapping[str, str] | None = None) -> list[str]:
    """One block per virtual server of the config or seen since the start (``status deleted``).

    ``unserved``: the virtual servers the data plane cannot serve and why (an address not on this
    host, a port taken, a certificate that cannot be loaded...): ``unavailable``, with a ``reason``.
    """
    unserved = unserved or {}
    out: list[str] = []
    for name in sorted(set(runtimes) | set(stats.vs_names()) | set(unserved)):
        rt = runtimes.get(name)
        f = stats.vs_figures(name)
        out.append(f"== [ {name} ]")
        why = unserved.get(name)
        if rt is not None:
            spec = rt.spec
            up = any(m.status == "enable" and counters.healthy(m.ident) for p in spec.pools for m in p.members)
            if spec.status != "enable":
                availability = "disabled"
            else:
                if why is None and not up:
                    why = "no member in service"
                availability = "unavailable" if why else "available"
            out += [_row("status", spec.status), _row("availability", availability)]
            if why:
                out.append(_row("reason", why))
            out += [_row("type", spec.type),
                    _row("address", spec.ip), _row("port", port_text(spec.ports)), _row("pool", spec.pool.name),
                    _row("traffic-log", "enable" if spec.traffic_log else "disable")]
            if spec.routes is not None:  # content routing: each rule, its pool and the requests it routed
                out += [_row(f"content-routing {r.name}", f"pool {r.target.pool.name}, hits {stats.rule_hits(name, r.name)}")
                        for r in spec.routes.rules]
        elif why is not None:  # in the config, but not served at all
            out += [_row("availability", "unavailable"), _row("reason", why)]
        else:
            out.append(_row("status", "deleted"))
        out += [_row("current-connections", f.current), _row("total-connections", f.total),
                _row("requests", f.requests), _row("bytes-in", f.bytes_in), _row("bytes-out", f.bytes_out)]
    return out


def real_server_status(runtimes: Mapping[str, VsRuntime], counters: Counters, stats: Stats) -> list[str]:
    """One block per pool member in service (``== [ pool id ]``)."""
    pools: dict[str, PoolSpec] = {}
    for rt in runtimes.values():
        for p in rt.spec.pools:
            pools.setdefault(p.name, p)
    out: list[str] = []
    for pname in sorted(pools):
        for m in pools[pname].members:
            h = stats.health(m.ident)
            up = h.up if h.when else counters.healthy(m.ident)
            f = stats.member_figures(m.ident)
            checked = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(h.when)) if h.when else "never"
            failed = stats.failures(m.ident)
            last = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(failed.when)) if failed.when else ""
            out += [f"== [ {pname} {m.key} ]", _row("real-server", m.real_server),
                    _row("address", f"{m.host}:{m.port}" if m.port else m.host),
                    _row("state", m.status), _row("health", "up" if up else "down"),
                    _row("health-check", f"{h.reason or ('up' if h.up else 'down')} ({checked})" if h.when else "none"),
                    _row("connect-failures", failed.count),
                    _row("last-failure", f"{failed.reason} ({last})" if failed.count else "none"),
                    _row("current-connections", counters.active(m.ident)),
                    _row("total-connections", counters.total(m.ident)),
                    _row("requests", f.requests), _row("bytes-in", f.bytes_in), _row("bytes-out", f.bytes_out)]
    return out
