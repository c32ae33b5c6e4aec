"""The command table, as data: what may be typed in each mode, the ``execute``/``diagnose`` verbs, and
the ``get`` paths that are reports rather than configuration.

Modes follow the session's position (reference §1.3): the top level, inside a table (``config
load-balance pool``), inside an entry (``edit p1``), inside a single object (``config system global``,
which has no ``next``). Dispatch, ``?`` and Tab all read these tables.
"""
from __future__ import annotations

from typing import Callable

from .cert_verbs import CERT_VERBS
from .config_verbs import CONFIG_VERBS
from .diag_verbs import DIAG_VERBS
from .frames import Frame, OpaqueFrame, ScopeFrame, TableFrame
from .health_verbs import HEALTH_VERBS
from .net_verbs import NET_VERBS
from .ops import ApplianceOps
from .route_views import OTHER_GETS, ROUTE_GETS, interface_summary
from .status_verbs import STATUS_DIAGNOSE, STATUS_EXECUTE, STATUS_GETS
from .system_verbs import DIAGNOSE_NOT_HERE, NOT_HERE, SYSTEM_VERBS
from .verb import Verb

ROOT_COMMANDS: dict[str, str] = {
    "config": "configure object",
    "get": "get dynamic and system information",
    "show": "show configuration",
    "execute": "execute static commands",
    "diagnose": "diagnose facility",
    "exit": "exit CLI",
}
TABLE_COMMANDS: dict[str, str] = {
    "edit": "add/edit a table value",
    "delete": "delete a table value",
    "purge": "clear all table values",
    "get": "get dynamic and system information",
    "show": "show configuration",
    "end": "end and save last config",
    "abort": "end and discard last config",
}
ENTRY_COMMANDS: dict[str, str] = {
    "set": "modify value",
    "unset": "set to default value",
    "get": "get dynamic and system information",
    "show": "show configuration",
    "next": "configure next table entry",
    "abort": "end and discard last config",
    "config": "configure object",
    "end": "end and save last config",
}
SINGLE_COMMANDS = {k: v for k, v in ENTRY_COMMANDS.items() if k != "next"}
# A table kept as text (``adc.config.opaque``): whether a block holds entries or values is not known.
OPAQUE_COMMANDS: dict[str, str] = {**{k: ENTRY_COMMANDS[k] for k in ("set", "unset")},
                                   **{k: TABLE_COMMANDS[k] for k in ("edit", "delete")}, **ENTRY_COMMANDS}
# VDOM wrappers (CLI744 Appendix A): ``config global``, ``config vdom``, ``edit root`` inside it
GLOBAL_SCOPE_COMMANDS: dict[str, str] = {k: ROOT_COMMANDS[k] for k in ("config", "get", "show")} | {
    "end": TABLE_COMMANDS["end"]}
VDOM_TABLE_COMMANDS: dict[str, str] = {k: TABLE_COMMANDS[k] for k in ("edit", "get", "show", "end")}
VDOM_ENTRY_COMMANDS: dict[str, str] = {k: ROOT_COMMANDS[k] for k in ("config", "get", "show")} | {
    "next": ENTRY_COMMANDS["next"], "end": TABLE_COMMANDS["end"]}
VDOM_WORDS: dict[str, str] = {"global": "configure global attributes", "vdom": "configure virtual domains"}

FULL = "full-configuration"  # ``show full-configuration``: defaults too
QUESTION = "Do you want to continue? (y/n)"


def commands_for(frame: Frame | None) -> dict[str, str]:
    """The commands of the mode a session is in (word -> help)."""
    if frame is None:
        return ROOT_COMMANDS
    if isinstance(frame, ScopeFrame):
        if frame.name == "global":
            return GLOBAL_SCOPE_COMMANDS
        return VDOM_TABLE_COMMANDS if frame.is_vdom_table else VDOM_ENTRY_COMMANDS
    if isinstance(frame, TableFrame):
        return TABLE_COMMANDS
    if isinstance(frame, OpaqueFrame):
        return OPAQUE_COMMANDS
    return SINGLE_COMMANDS if frame.table.kind == "single" else ENTRY_COMMANDS


# ``get`` paths that are not configuration: path -> (help, the report's lines from the appliance).
StatusPath = tuple[str, Callable[[ApplianceOps], list[str]]]
STATUS_PATHS: dict[tuple[str, ...], StatusPath] = {
    ("system", "status"): ("system status", lambda app: app.system_status().splitlines()),
    ("system", "performance"): ("system performance", lambda app: app.system_performance().splitlines()),
    ("system", "info", "admin", "status"): ("administrators logged in", lambda app: app.admin_status()),
    **STATUS_GETS,
    **ROUTE_GETS,
    **OTHER_GETS,
}
# ``get <table>`` with no key that prints a status summary rather than the list of entries.
TABLE_SUMMARIES: dict[tuple[str, ...], Callable[[ApplianceOps], list[str]]] = {
    ("system", "interface"): interface_summary,
}
# the commands whose output ``| grep`` may filter
FILTERABLE = ("show", "get", "diagnose")


def _sorted(*groups: tuple[Verb, ...]) -> tuple[Verb, ...]:
    return tuple(sorted((v for g in groups for v in g), key=lambda v: v.words))


EXECUTE: tuple[Verb, ...] = _sorted(CONFIG_VERBS, CERT_VERBS, HEALTH_VERBS, STATUS_EXECUTE, NET_VERBS, SYSTEM_VERBS,
                                   NOT_HERE)
DIAGNOSE: tuple[Verb, ...] = _sorted(DIAG_VERBS, STATUS_DIAGNOSE, DIAGNOSE_NOT_HERE)
