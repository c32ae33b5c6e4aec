"""The command table, as data: what may be typed in each mode, the ``execute``/``diagnose`` verbs, and
the ``get`` paths that are reports rather than configuration.

Modes follow the session's position (reference §1.3): the top level, inside a table (``config
load-balance pool``), inside an entry (``edit p1``), inside a single object (``config system global``,
which has no ``next``). Dispatch, ``?`` and Tab all read these tables.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..errors import UsageError
from .cert_verbs import CERT_VERBS
from .config_verbs import CONFIG_VERBS
from .frames import Frame, TableFrame
from .health_verbs import HEALTH_VERBS
from .ops import ApplianceOps
from .status_verbs import STATUS_DIAGNOSE, STATUS_EXECUTE, STATUS_GETS
from .verb import Verb

if TYPE_CHECKING:
    from .context import Context

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

FULL = "full-configuration"  # ``show full-configuration``: defaults too
QUESTION = "Do you want to continue? (y/n)"


def commands_for(frame: Frame | None) -> dict[str, str]:
    """The commands of the mode a session is in (word -> help)."""
    if frame is None:
        return ROOT_COMMANDS
    if isinstance(frame, TableFrame):
        return TABLE_COMMANDS
    return SINGLE_COMMANDS if frame.table.kind == "single" else ENTRY_COMMANDS


# ``get`` paths that are not configuration: path -> (help, the report's lines from the appliance).
StatusPath = tuple[str, Callable[[ApplianceOps], list[str]]]
STATUS_PATHS: dict[tuple[str, ...], StatusPath] = {
    ("system", "status"): ("system status", lambda app: app.system_status().splitlines()),
    ("system", "performance"): ("system performance", lambda app: app.system_performance().splitlines()),
    ("system", "info", "admin", "status"): ("administrators logged in", lambda app: app.admin_status()),
    **STATUS_GETS,
}


def _sorted(*groups: tuple[Verb, ...]) -> tuple[Verb, ...]:
    return tuple(sorted((v for g in groups for v in g), key=lambda v: v.words))


U_CMDB = "Usage: diagnose debug cmdb <0-8>"


def _debug_cmdb(ctx: "Context", args: list[str]) -> list[str]:
    if len(args) != 1 or not args[0].isdigit() or not 0 <= int(args[0]) <= 8:
        raise UsageError(U_CMDB)
    return []


EXECUTE: tuple[Verb, ...] = _sorted(CONFIG_VERBS, CERT_VERBS, HEALTH_VERBS, STATUS_EXECUTE)
DIAGNOSE: tuple[Verb, ...] = _sorted(
    (Verb(("debug", "cmdb"), "cmdb debug level", U_CMDB, _debug_cmdb),), STATUS_DIAGNOSE)
