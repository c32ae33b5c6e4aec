"""The FortiADC configuration schema: every table, in device-wide ``show`` order, and the factory objects.

The order is a dependency order: a table references only tables listed before it (or itself).
"""
from __future__ import annotations

from .factory import FACTORY
from .load_balance import (CLIENT_SSL_PROFILE, CONTENT_ROUTING, IPPOOL, METHOD, PERSISTENCE, POOL, PROFILE,
                           REAL_SERVER, REAL_SERVER_SSL_PROFILE, VIRTUAL_SERVER)
from .model import ENABLE_DISABLE, Attr, Option, Table, opts
from .registry import FactoryEntry, Schema
from .system import (ADMIN, AZURE_LB_BACKEND_IP, CERT_LOCAL, CERT_LOCAL_GROUP, DNS, GLOBAL, HEALTH_CHECK,
                     INTERFACE, ROUTER_STATIC, TRAFFIC_GROUP)

TABLES: tuple[Table, ...] = (
    GLOBAL,
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

GROUP_HELP: dict[tuple[str, ...], str] = {
    ("load-balance",): "load balance",
    ("system",): "system configuration",
    ("router",): "router configuration",
    ("system", "certificate"): "certificate",
}

SCHEMA = Schema(tables=TABLES, factory=FACTORY, group_help=GROUP_HELP)

__all__ = [
    "SCHEMA",
    "TABLES",
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
