"""The FortiADC configuration schema: every table, in device-wide ``show`` order, and the factory objects.

The hand-written tables (``system.py``, ``load_balance.py``: what the data plane reads) and the tables
generated from the CLI Reference extraction (``generated.py`` with ``corrections.py``: every other path)
are put in a dependency order: a table references only tables listed before it (or itself).
"""
from __future__ import annotations

from . import corrections, generated
from .console import CONSOLE
from .factory import FACTORY
from .load_balance import (CLIENT_SSL_PROFILE, CONTENT_ROUTING, IPPOOL, METHOD, PERSISTENCE, POOL, PROFILE,
                           REAL_SERVER, REAL_SERVER_SSL_PROFILE, VIRTUAL_SERVER)
from .model import ENABLE_DISABLE, Attr, Option, Table, opts
from .reference import load
from .registry import FactoryEntry, Schema
from .system import (ADMIN, AZURE_LB_BACKEND_IP, CERT_LOCAL, CERT_LOCAL_GROUP, DNS, GLOBAL, HEALTH_CHECK,
                     INTERFACE, ROUTER_STATIC, TRAFFIC_GROUP)

HAND: tuple[Table, ...] = (
    GLOBAL,
    CONSOLE,
    TRAFFIC_GROUP,
    INTERFACE,
    DNS,
    ADMIN,
    CERT_LOCAL,
    CERT_LOCAL_GROUP,
    HEALTH_CHECK,
    AZURE_LB_BACKEND_IP,
    ROUTER_STATIC,
    REAL_SERVER,
    CLIENT_SSL_PROFILE,
    REAL_SERVER_SSL_PROFILE,
    PROFILE,
    METHOD,
    PERSISTENCE,
    IPPOOL,
    POOL,
    CONTENT_ROUTING,
    VIRTUAL_SERVER,
)
"""The hand-written tables, in their own dependency order: what the data plane reads."""

_HAND_IDS = {x.node_id for t in HAND for x in generated.walk(t)}
BUILT = generated.cached(lambda: generated.with_node_ids(
    generated.build(load(), HAND, ((".".join(f.path), f.key) for f in FACTORY if f.key is not None)),
    load(), _HAND_IDS))
"""The generated tables (with their node ids) and what the rules decided (``BUILT.notes``)."""


TABLES: tuple[Table, ...] = generated.order(tuple(generated.with_children(t, BUILT) for t in HAND), BUILT.tables,
                                            BUILT.notes)

GROUP_HELP: dict[tuple[str, ...], str] = {
    ("load-balance",): "load balance",
    ("system",): "system configuration",
    ("router",): "router configuration",
    ("system", "certificate"): "certificate",
    **corrections.GROUP_HELP,
}

SCHEMA = Schema(tables=TABLES, factory=FACTORY, group_help=GROUP_HELP)

__all__ = [
    "SCHEMA",
    "TABLES",
    "HAND",
    "BUILT",
    "FACTORY",
    "GROUP_HELP",
    "Schema",
    "FactoryEntry",
    "Table",
    "Attr",
    "Option",
    "opts",
    "ENABLE_DISABLE",
]
