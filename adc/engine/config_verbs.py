"""Verbs on the configuration as a whole: ``execute backup config``, ``restore config``, ``factoryreset``."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import CommandFail, UsageError
from . import render
from .reply import Reply
from .verb import Verb

if TYPE_CHECKING:
    from .context import Context

U_BACKUP = "Usage: execute backup config <file>"
U_RESTORE = "Usage: execute restore config <file>"
U_FACTORYRESET = "Usage: execute factoryreset"


def _backup(ctx: "Context", args: list[str]) -> list[str]:
    """The configuration as a replayable script: the output of ``show``."""
    if len(args) != 1:
        raise UsageError(U_BACKUP)
    text = "\n".join(render.show_tree(ctx.view, ctx.schema, ctx.store.tree)) + "\n"
    try:
        ctx.app.write_file(args[0], text.encode("utf-8"))
    except OSError as err:
        raise CommandFail(-24, f"cannot write {args[0]}: {err.strerror}") from None
    return [f"Configuration saved to {args[0]}"]


def _restore(ctx: "Context", args: list[str]) -> Reply:
    if len(args) != 1:
        raise UsageError(U_RESTORE)
    try:
        data = ctx.app.read_file(args[0])
    except OSError as err:
        raise CommandFail(-24, f"cannot read {args[0]}: {err.strerror}") from None
    lines = data.decode("utf-8", errors="surrogateescape").splitlines()

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
