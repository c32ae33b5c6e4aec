"""Commit-time checks (reference §2.17): required fields, references, and cross-object rules.

Generic checks come from the schema (``required``, ``ref``); the cross-object rules are a table of
small functions keyed by the table they guard, each raising ``CommandFail`` with FortiADC's code.
"""
from __future__ import annotations

import ipaddress
from typing import Callable

from ..config.tree import Entry, TableData, Value
from ..config.values import default_value, port_set
from ..errors import CommandFail
from ..schema import compat
from ..schema.model import Attr, Table
from .context import Context


def check_refs(s: Context, attr: Attr, value: Value) -> None:
    """Every name in a reference value must exist in the referenced table (-13)."""
    names = value if isinstance(value, tuple) else (value,) if value else ()
    for name in names:
        if name in attr.ref_extra:
            continue
        if attr.ref and s.lookup(attr.ref, name) is None:
            raise CommandFail(-13, f"entry '{name}' not found in {attr.ref}")


def check_entry(s: Context, table: Table, entry: Entry) -> None:
    """Everything that must hold before ``entry`` is saved (top-level or nested); raises ``CommandFail``."""
    key_path = table.dotted
    for attr in s.view.attrs(table, entry):
        value = s.view.value(attr, entry)
        if attr.required and value in ("", ()):
            code = compat.REQUIRED_CODES.get((key_path, attr.name), -56)
            raise CommandFail(code, f"attribute '{attr.name}' must be set")
        if attr.kind == "ref" and value:
            check_refs(s, attr, value)
    for child in s.view.children(table, entry):
        for sub in entry.children.get(child.name, TableData()):
            check_entry(s, child, sub)
    for rule in RULES.get(key_path, ()):
        rule(s, table, entry)


# ---------------------------------------------------------------------------------------- helpers
def _ref_entry(s: Context, table: Table, entry: Entry, name: str) -> Entry | None:
    attr = s.view.attr(table, entry, name)
    value = s.view.value(attr, entry) if attr else ""
    if not attr or not attr.ref or not isinstance(value, str) or not value:
        return None
    return s.lookup(attr.ref, value)


def _field(s: Context, dotted: str, entry: Entry | None, name: str) -> str:
    if entry is None:
        return ""
    return s.view.text(s.schema.find(dotted), entry, name)


def _contiguous(versions: tuple[str, ...] | str) -> bool:
    vs = versions if isinstance(versions, tuple) else tuple(versions.split())
    idx = sorted(compat.SSL_VERSIONS.index(v) for v in vs if v in compat.SSL_VERSIONS)
    return not idx or idx == list(range(idx[0], idx[-1] + 1))


# ---------------------------------------------------------------------------------------- rules
VS = "load-balance.virtual-server"


def vs_profile_rules(s: Context, table: Table, e: Entry) -> None:
    vs_type = _field(s, VS, e, "type")
    prof = _ref_entry(s, table, e, "load-balance-profile")
    ptype = _field(s, "load-balance.profile", prof, "type")
    if not ptype:
        return
    ok_vs = compat.PROFILE_VS_TYPES.get(ptype)
    if ok_vs is not None and vs_type not in ok_vs:
        raise CommandFail(-4240, f"profile type '{ptype}' cannot be used by a {vs_type} virtual server")
    has_ssl = bool(_field(s, VS, e, "client-ssl-profile"))
    if ptype in compat.NEEDS_CLIENT_SSL and not has_ssl:
        raise CommandFail(-4225, f"a {ptype} profile requires client-ssl-profile")
    method = _ref_entry(s, table, e, "load-balance-method")
    mtype = _field(s, "load-balance.method", method, "type")
    ok_m = compat.allowed(compat.METHODS, ptype, vs_type)
    if mtype and ok_m is not None and mtype not in ok_m:
        raise CommandFail(-1240, f"method type '{mtype}' is not supported with a {ptype} profile on {vs_type}")
    pers = _ref_entry(s, table, e, "load-balance-persistence")
    pertype = _field(s, "load-balance.persistence", pers, "type")
    ok_p = compat.allowed(compat.PERSISTENCE, ptype, vs_type)
    if pertype and ok_p is not None and pertype not in ok_p:
        raise CommandFail(-4241, f"persistence type '{pertype}' is not supported with a {ptype} profile")


def vs_address_rules(s: Context, table: Table, e: Entry) -> None:
    vs_type = _field(s, VS, e, "type")
    addr_type = _field(s, VS, e, "addr-type")
    pool = _ref_entry(s, table, e, "load-balance-pool")
    if pool is not None and _field(s, "load-balance.pool", pool, "addr-type") not in ("", addr_type):
        raise CommandFail(-1286, "the virtual server and its pool have different address types")
    fwd = _field(s, VS, e, "packet-forwarding-method")
    if fwd in ("FullNAT", "NAT46", "NAT64") and not _field(s, VS, e, "ippool-list"):
        raise CommandFail(-1214, f"packet-forwarding-method {fwd} requires ippool-list")
    if _field(s, VS, e, "content-routing") == "enable" and not _field(s, VS, e, "content-routing-list"):
        raise CommandFail(-1231, "content-routing is enabled but content-routing-list is empty")
    if vs_type == compat.L2:
        return
    ip = _field(s, VS, e, compat.address_attr(addr_type))
    ports = port_set(_field(s, VS, e, "port"))
    for other_key, theirs in _listener_index(s, table).get((addr_type, ip), {}).items():
        if other_key != e.key and (ports & theirs or 0 in ports or 0 in theirs):
            raise CommandFail(-1200, f"{ip} port {_field(s, VS, e, 'port')} is already used by virtual server '{other_key}'")


class _ListenerIndex:
    """Saved virtual servers by (addr-type, ip) -> {name: ports}, kept in step with the store.

    Rebuilt from scratch when it falls behind by more than one commit; otherwise it applies the last
    change only, so checking a new virtual server does not cost a scan of all of them.
    """

    def __init__(self) -> None:
        self.generation = -1
        self.by_addr: dict[tuple[str, str], dict[str, set[int]]] = {}
        self.where: dict[str, tuple[str, str]] = {}

    def _drop(self, key: str) -> None:
        addr = self.where.pop(key, None)
        if addr is not None:
            self.by_addr[addr].pop(key, None)

    def _add(self, s: Context, table: Table, entry: Entry) -> None:
        assert entry.key is not None
        self._drop(entry.key)
        view = s.view
        if view.stored(table, entry, "type") == compat.L2:
            return
        addr_type = str(view.stored(table, entry, "addr-type"))
        ip = str(view.stored(table, entry, compat.address_attr(addr_type)))
        self.where[entry.key] = (addr_type, ip)
        self.by_addr.setdefault((addr_type, ip), {})[entry.key] = port_set(str(view.stored(table, entry, "port")))

    def refresh(self, s: Context, table: Table) -> None:
        store = s.store
        change = store.last_change
        if self.generation == store.generation:
            return
        if self.generation == store.generation - 1 and change is not None:
            if change.path == table.path and change.key is not None:
                if change.entry is None:
                    self._drop(change.key)
                else:
                    self._add(s, table, store.tree.table(table.path).get(change.key) or change.entry)
        else:
            self.by_addr.clear()
            self.where.clear()
            for entry in store.tree.table(table.path):
                self._add(s, table, entry)
        self.generation = store.generation


def _listener_index(s: Context, table: Table) -> dict[tuple[str, str], dict[str, set[int]]]:
    index = s.store.derived.get("vs-listeners")
    if not isinstance(index, _ListenerIndex):
        index = s.store.derived["vs-listeners"] = _ListenerIndex()
    index.refresh(s, table)
    return index.by_addr


def _vs_users(s: Context, attr: str, key: str | None) -> list[Entry]:
    vs_table = s.schema.by_dotted.get(VS)
    if vs_table is None or key is None:
        return []
    return [v for v in s.store.tree.table(vs_table.path) if v.values.get(attr) == key]


def profile_rules(s: Context, table: Table, e: Entry) -> None:
    saved = s.lookup(table.dotted, e.key or "")
    if saved is None:
        return
    old, new = _field(s, table.dotted, saved, "type"), _field(s, table.dotted, e, "type")
    if old != new and _vs_users(s, "load-balance-profile", e.key):
        raise CommandFail(-1237, f"profile '{e.key}' is used by a virtual server; its type cannot change")


def method_rules(s: Context, table: Table, e: Entry) -> None:
    saved = s.lookup(table.dotted, e.key or "")
    if saved is None:
        return
    if _field(s, table.dotted, saved, "type") != _field(s, table.dotted, e, "type") and referrers(s, table, e.key or ""):
        raise CommandFail(-4076, f"method '{e.key}' is referenced; its type cannot change")


def pool_rules(s: Context, table: Table, e: Entry) -> None:
    members = table.child("pool_member")
    if members is None:
        return
    seen: dict[tuple[str, str], str] = {}
    for m in e.children.get("pool_member", TableData()):
        rs = m.values.get("real-server", "")
        port = s.view.raw(members, m, "pool_member_service_port")
        pair = (str(rs), str(port))
        if rs and pair in seen:
            raise CommandFail(-4301, f"real server '{rs}' port {port} is already used by pool member {seen[pair]}")
        seen[pair] = m.key or ""


def real_server_rules(s: Context, table: Table, e: Entry) -> None:
    if _field(s, table.dotted, e, "type") not in ("", "ip"):
        return
    ip = _field(s, table.dotted, e, "ip")
    if not ip or ip == "0.0.0.0":
        return
    for other in s.store.tree.table(table.path):
        if other.key != e.key and s.view.stored(table, other, "ip") == ip:
            raise CommandFail(-4300, f"real server '{other.key}' already uses {ip}")


def health_check_rules(s: Context, table: Table, e: Entry) -> None:
    interval, timeout = _field(s, table.dotted, e, "interval"), _field(s, table.dotted, e, "timeout")
    if interval.isdigit() and timeout.isdigit() and int(timeout) >= int(interval):
        raise CommandFail(-1552, f"timeout {timeout} must be less than interval {interval}")


def ssl_version_rule(field: str) -> Callable[[Context, Table, Entry], None]:
    def rule(s: Context, table: Table, e: Entry) -> None:
        if not _contiguous(s.view.raw(table, e, field)):
            raise CommandFail(-4222, f"{field}: ssl versions are not continuous")

    return rule


def cert_group_rules(s: Context, table: Table, e: Entry) -> None:
    members = list(e.children.get("group_member", TableData()))
    if not members:
        raise CommandFail(-4075, "the local certificate group must not be empty")
    child = table.child("group_member")
    if child is not None and sum(1 for m in members if s.view.raw(child, m, "default") == "enable") > 1:
        raise CommandFail(-155, "only one group member can be the default")


def global_rules(s: Context, table: Table, e: Entry) -> None:
    host = s.view.raw(table, e, "hostname")
    if isinstance(host, str) and (len(host) > 35 or not all(c.isalnum() or c in "-_" for c in host) or not host.isascii()):
        raise CommandFail(-62, "hostname: the legal characters are A-Z, a-z, 0-9, - and _")


def interface_rules(s: Context, table: Table, e: Entry) -> None:
    ip = _field(s, table.dotted, e, "ip")
    if ip and ipaddress.IPv4Interface(ip).network.prefixlen == 0 and not ip.startswith("0.0.0.0"):
        raise CommandFail(-19, f"invalid netmask in {ip}")


RULES: dict[str, tuple[Callable[[Context, Table, Entry], None], ...]] = {
    VS: (vs_profile_rules, vs_address_rules),
    "load-balance.profile": (profile_rules,),
    "load-balance.method": (method_rules,),
    "load-balance.pool": (pool_rules,),
    "load-balance.real-server": (real_server_rules,),
    "system.health-check": (health_check_rules,),
    "load-balance.client-ssl-profile": (ssl_version_rule("ssl-allowed-versions"),),
    "load-balance.real-server-ssl-profile": (ssl_version_rule("allow-ssl-versions"),),
    "system.certificate.local_cert_group": (cert_group_rules,),
    "system.global": (global_rules,),
    "system.interface": (interface_rules,),
}


# ---------------------------------------------------------------------------------------- references
def _refs_in(s: Context, table: Table, entry: Entry, target: str, key: str) -> bool:
    for attr in table.attrs:
        if attr.ref != target:
            continue
        v = entry.values.get(attr.name, default_value(attr))
        if v == key or (isinstance(v, tuple) and key in v):
            return True
    for child in table.children:
        for sub in entry.children.get(child.name, TableData()):
            if _refs_in(s, child, sub, target, key):
                return True
    return False


def referrers(s: Context, table: Table, key: str) -> list[tuple[str, str]]:
    """Who references ``table``/``key``: (table path, entry key) pairs, for -23 on delete."""
    out: list[tuple[str, str]] = []
    target = table.dotted
    for t in s.schema.tables:
        node = s.store.tree.nodes.get(t.path)
        if node is None:
            continue
        entries = [node] if isinstance(node, Entry) else list(node)
        for e in entries:
            if e.reserved and t is table:
                continue
            if _refs_in(s, t, e, target, key):
                out.append((" ".join(t.path), e.key or t.name))
    return out
