"""Verbs on the configuration as a whole: ``execute backup config``, ``restore config``, ``factoryreset``.

Also the one way every ``execute`` verb reaches the operator's files (``read_named``/``write_named``):
the appliance keeps them in one folder, the files folder, standing for the TFTP server of the real box
(``ApplianceOps.read_file``). A name that leads out of it is refused (-37), and no error here quotes a
file: restore refuses a file that is not a text script (binary, control characters, over-long lines)
by line number and reason before anything is replayed.
"""
from __future__ import annotations

import errno
import ipaddress
from typing import TYPE_CHECKING

from ..errors import CommandFail, UsageError
from . import render
from .lexer import LexError, check_line
from .reply import Reply
from .verb import Verb

if TYPE_CHECKING:
    from .context import Context

U_BACKUP = "Usage: execute backup config {disk|tftp|ftp} <file> [<ip>] [<user>] [<password>]"
U_RESTORE = "Usage: execute restore config {disk|tftp|ftp} <file> [<ip>] [<user>] [<password>]"
U_FACTORYRESET = "Usage: execute factoryreset"

# The largest configuration script restore reads (a 10,000-line script is about 300 kB).
MAX_CONFIG_FILE = 16 << 20


def _file_error(doing: str, name: str, err: OSError, too_big: int) -> CommandFail:
    """What the operator sees of a failed file operation: the name as typed and the reason, never the
    content or where the folder is on the host."""
    if isinstance(err, PermissionError):
        code = -37  # Permission denied.
    elif err.errno == errno.EFBIG:
        code = too_big
    else:
        code = -24  # Error opening file.
    return CommandFail(code, f"cannot {doing} {name}: {err.strerror or type(err).__name__}")


def read_named(ctx: "Context", name: str, limit: int, too_big: int = -4508) -> bytes:
    """File ``name`` of the files folder, at most ``limit`` bytes (else ``too_big``, File is over size limit)."""
    try:
        return ctx.app.read_file(name, limit)
    except OSError as err:
        raise _file_error("read", name, err, too_big) from None


def write_named(ctx: "Context", name: str, data: bytes) -> None:
    """Write file ``name`` of the files folder (atomically)."""
    try:
        ctx.app.write_file(name, data)
    except OSError as err:
        raise _file_error("write", name, err, -4508) from None


# The first line of a backup, as a real box writes it (its values name adc, not a firmware build).
BACKUP_HEADER = "#config-version=FADV-7.04-adc:opmode=0:vdom=0:user=admin"


def file_of(args: list[str], usage: str) -> str:
    """The file a ``backup``/``restore config`` names: ``disk <file>``, ``tftp <file> <ip>``, ``ftp <file>
    <ip> [<user> [<password>]]`` (CLI744 p. 591-592), or a bare ``<file>``. The server of tftp and ftp is
    the files folder: the address (checked) and the credentials change nothing."""
    if len(args) == 1 and args[0] not in ("disk", "tftp", "ftp"):
        return args[0]
    if not args or args[0] not in ("disk", "tftp", "ftp"):
        raise UsageError(usage)
    where, rest = args[0], args[1:]
    wanted = {"disk": (1, 1), "tftp": (2, 2), "ftp": (2, 4)}[where]
    if not wanted[0] <= len(rest) <= wanted[1]:
        raise UsageError(usage)
    if where != "disk":
        try:
            ipaddress.ip_address(rest[1])
        except ValueError:
            raise UsageError(usage) from None
    return rest[0]


def _backup(ctx: "Context", args: list[str]) -> list[str]:
    """The configuration as a real box writes its backup: a ``#config-version`` header line, then
    ``show full-configuration`` (every table, predefined entries, ``unset`` lines), replayable."""
    name = file_of(args, U_BACKUP)
    if not ctx.access.reads_everything:
        raise CommandFail(-37, "Permission denied: a backup needs read access to every area")
    if ctx.vdom_mode():  # a box with virtual domains writes its wrappers and says so in the header
        header = BACKUP_HEADER.replace(":vdom=0:", ":vdom=1:")
        lines = render.show_vdoms(ctx.view, ctx.schema, ctx.store.tree, True, ctx.factory())
    else:
        header, lines = BACKUP_HEADER, render.show_tree(ctx.view, ctx.schema, ctx.store.tree, True, ctx.factory())
    text = "\n".join([header, *lines]) + "\n"
    write_named(ctx, name, text.encode("utf-8"))
    return [f"Configuration saved to {name}"]


def _script_lines(name: str, data: bytes) -> list[str]:
    """The lines of a configuration script; a file that is not one (binary, control characters, lines
    too long) is refused naming the line and the reason, never quoting it."""
    lines = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff").splitlines()  # a saved BOM
    for n, line in enumerate(lines, start=1):
        try:
            check_line(line)
        except LexError as err:
            raise CommandFail(-39, f"restore: {name} is not a configuration script: line {n}: {err}") from None
    return lines


def _restore(ctx: "Context", args: list[str]) -> Reply:
    name = file_of(args, U_RESTORE)
    lines = _script_lines(name, read_named(ctx, name, MAX_CONFIG_FILE, too_big=-4843))

    def answer(yes: bool) -> Reply:
        return ctx.replay_into_fresh(lines, "restore") if yes else Reply()

    return ctx.ask("This operation will replace the current configuration and reboot the system!", answer)


def _factoryreset(ctx: "Context", args: list[str]) -> Reply:
    if args:
        raise UsageError(U_FACTORYRESET)

    def answer(yes: bool) -> Reply:
        if not yes:
            return Reply()
        ctx.replace(ctx.app.factory_tree())
        return Reply(output="System is resetting to factory defaults...\n")

    return ctx.ask("This operation will change all settings to factory defaults!", answer)


CONFIG_VERBS: tuple[Verb, ...] = (
    Verb(("backup", "config"), "backup", U_BACKUP, _backup),
    Verb(("factoryreset",), "reset to factory default", U_FACTORYRESET, _factoryreset),
    Verb(("restore", "config"), "restore", U_RESTORE, _restore),
)
