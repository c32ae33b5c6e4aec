"""Status views computed from the configuration: ``get router info routing-table`` and the summary of
``get system interface`` (CLI744 p. 613-614 and p. 463).

The routing table is what the configuration makes of it, as the box's kernel would: a connected route
(``C``) for the network of each interface that is up and has an address, a static route (``S``) for
each ``config router static`` entry. A static route is usable (``>*``) when its gateway lies in a
connected network, through that interface; among usable routes to one destination, the lowest distance
is selected. A static route whose gateway no connected network holds is listed ``inactive``. Nothing is
read from the host's own routing table: the appliance's interfaces are the configured ones.
"""
from __future__ import annotations

import ipaddress
from typing import Callable

from ..config.tree import Entry, TableData
from ..errors import AdcError
from ..config.view import View
from .ops import ApplianceOps

CODES = ["Codes: K - kernel route, C - connected, S - static, O - OSPF, P - PPPoE",
         "       > - selected route, * - FIB route", ""]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _view(app: ApplianceOps) -> View:
    return View(app.schema, lambda dotted, key: None)


def _entries(app: ApplianceOps, dotted: str) -> tuple[View, list[Entry]]:
    table = app.schema.by_dotted.get(dotted)
    if table is None:
        return _view(app), []
    node = app.store.tree.nodes.get(table.path)
    return _view(app), list(node) if isinstance(node, TableData) else []


def connected(app: ApplianceOps) -> list[tuple[Network, str, ipaddress.IPv4Address | ipaddress.IPv6Address]]:
    """(network, interface, own address) of each interface that is up, IPv4 then IPv6."""
    view, entries = _entries(app, "system.interface")
    table = app.schema.by_dotted["system.interface"]
    out = []
    for e in entries:
        if view.text(table, e, "status") != "up":
            continue
        for field in ("ip", "ip6"):
            text = view.text(table, e, field).replace(" ", "/")
            try:
                iface = ipaddress.ip_interface(text)
            except ValueError:
                continue
            if int(iface.ip) == 0:
                continue
            out.append((iface.network, e.key or "", iface.ip))
    return out


def routes(app: ApplianceOps) -> list[tuple[str, Network, str]]:
    """(code, destination, rest of the line) of every route, in the order of the reference."""
    nets = connected(app)
    lines: list[tuple[str, Network, str]] = [("C>*", net, f"is directly connected, {name}") for net, name, _ in nets]
    view, statics = _entries(app, "router.static")
    table = app.schema.by_dotted.get("router.static")
    found: list[tuple[Network, int, str, str | None]] = []
    for e in statics:
        assert table is not None
        try:
            dest = ipaddress.ip_network(view.text(table, e, "destination").replace(" ", "/"), strict=False)
            gw = ipaddress.ip_address(view.text(table, e, "gateway"))
        except ValueError:
            continue
        via = next((name for net, name, _ in nets if net.version == gw.version and gw in net), None)
        found.append((dest, view.number(table, e, "distance"), str(gw), via))
    best: dict[Network, int] = {}
    for dest, dist, _, via in found:
        if via is not None and dist < best.get(dest, 1 << 30):
            best[dest] = dist
    for dest, dist, gateway, via in found:
        if via is None:
            lines.append(("S  ", dest, f"[{dist}/0] via {gateway} inactive"))
        else:
            code = "S>*" if best.get(dest) == dist else "S  "
            lines.append((code, dest, f"[{dist}/0] via {gateway}, {via}"))
    lines.sort(key=lambda r: (r[1].version, int(r[1].network_address), r[1].prefixlen, r[0][0] != "C", r[0] != "S>*"))
    return lines


def routing_table(which: str) -> Callable[[ApplianceOps], list[str]]:
    """``get router info routing-table <which>``: all and kernel-all list every route; kernel-connected
    the connected ones, kernel-static the static ones; kernel-llb (link load balancing routes) none."""
    codes = {"all": "CS", "kernel-all": "CS", "kernel-connected": "C", "kernel-static": "S", "kernel-llb": ""}[which]

    def report(app: ApplianceOps) -> list[str]:
        return CODES + [f"{code} {dest} {rest}" for code, dest, rest in routes(app) if code[0] in codes]

    return report


def interface_summary(app: ApplianceOps) -> list[str]:
    """``get system interface``: each interface's main fields (CLI744 p. 463)."""
    view, entries = _entries(app, "system.interface")
    table = app.schema.by_dotted["system.interface"]
    out: list[str] = []
    for e in entries:
        out.append(f"== [ {e.key} ]")
        for field in ("type", "vdom", "redundant-primary", "ip", "ip6", "allowaccess", "status", "interface"):
            if field == "redundant-primary":
                out.append("redundant-primary: 0")
                continue
            if field == "interface" and view.text(table, e, "type") != "vlan":
                continue
            out.append(f"{field}: {view.text(table, e, field)}")
    return out


ROUTE_GETS: dict[tuple[str, ...], tuple[str, Callable[[ApplianceOps], list[str]]]] = {
    ("router", "info", "routing-table", w): (h, routing_table(w)) for w, h in (
        ("all", "show all routing table entries"), ("kernel-all", "show all routing table entries"),
        ("kernel-connected", "show connected routing table entries"), ("kernel-llb", "show llb routing table entries"),
        ("kernel-static", "show static routing table entries"))
}


def ha_status(app: ApplianceOps) -> list[str]:
    """``get system ha-status`` (CLI744 p. 615) of a node that is alone: no peer, nothing to sync."""
    table = app.schema.by_dotted.get("system.ha")
    node = app.store.tree.nodes.get(table.path) if table is not None else None
    mode = _view(app).text(table, node, "mode") if table is not None and isinstance(node, Entry) else ""
    return [f"Mode: {mode or 'standalone'}", "State: standalone", "Config-sync: In sync", "Node-id: 0",
            "", "Monitor status", "Link Up:", "Down:", "", "Peer count: 0"]


def _not_here(words: str, why: str) -> Callable[[ApplianceOps], list[str]]:
    def report(app: ApplianceOps) -> list[str]:
        raise AdcError(f"get {words}: not available on this appliance: {why}")

    report.any_args = True  # type: ignore[attr-defined]  # ``get router info ospf status`` says the same
    return report


_NO_ROUTING = "adc runs no routing protocol (OSPF, BGP); see get router info routing-table all"
OTHER_GETS: dict[tuple[str, ...], tuple[str, Callable[[ApplianceOps], list[str]]]] = {
    ("system", "ha-status"): ("ha status", ha_status),
    **{tuple(w.split()): (w.split()[-1], _not_here(w, why)) for w, why in (
        ("router info ospf", _NO_ROUTING), ("router info bgp", _NO_ROUTING), ("router info6 bgp", _NO_ROUTING),
        ("security waf-signature-status", "adc has no web application firewall"),
        ("security scan-report", "adc has no vulnerability scanner"),
        ("security scan-task", "adc has no vulnerability scanner"),
        ("system traffic-group-status", "adc runs as one standalone node (no HA cluster)"))},
}
