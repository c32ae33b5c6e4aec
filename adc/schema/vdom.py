"""Which tables are global when virtual domains are on (CLI744 Appendix A, pp. 629-637), as data.

With ``config system global`` ``set vdom-admin enable`` the top level of the CLI offers two wrappers:
``config global`` holds the settings of the appliance as a whole, ``config vdom`` / ``edit <vdom>`` those
of one virtual domain. The reference lists the global settings on p. 633-634: network interfaces, system
time, backups, administrator accounts, access profiles, FortiGuard connectivity, HA and configuration
sync, SNMP, X.509 certificates, the TCP SYN flood anti-DoS setting; and it marks ``system global``,
``system vdom`` and ``system vdom-link`` as ``config global`` tables (pp. 66-73, 634). Every other table
belongs to a VDOM. ``system console`` (the session's output setting) is global as on FortiOS.
"""
from __future__ import annotations

VDOM_SWITCH = (("system", "global"), "vdom-admin")  # the attribute that turns VDOM mode on
ROOT_VDOM = "root"

GLOBAL_PATHS: tuple[tuple[str, ...], ...] = (
    ("system", "global"),
    ("system", "console"),
    ("system", "vdom"),
    ("system", "vdom-link"),
    ("system", "interface"),
    ("system", "time"),
    ("system", "auto-backup"),
    ("system", "admin"),
    ("system", "accprofile"),
    ("system", "password-policy"),
    ("system", "fortiguard"),
    ("system", "ha"),
    ("config", "sync-list"),
    ("system", "snmp"),
    ("system", "certificate"),
    ("security", "dos", "tcp-synflood-protection"),
)


def is_global(path: tuple[str, ...]) -> bool:
    """Whether the table at ``path`` is printed inside ``config global`` (a prefix names a group)."""
    return any(path[: len(p)] == p for p in GLOBAL_PATHS)
