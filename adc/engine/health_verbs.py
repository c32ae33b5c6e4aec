"""``execute health-check-verify``: run one configured health check once against an address.

Both syntaxes of the reference (§1.9, §5) are accepted:

- 7.4: ``execute health-check-verify <health-check> <ip> [port]`` (the 6.x order ``<ip> <health-check>
  [port]`` too, recognised by which word is an IP address);
- 7.4.9: ``execute health-check-verify health-check <hc> dest-address <ip> [count n] [timeout n]
  [interval n] [port n]`` (keywords in any order, each may be abbreviated to a unique prefix).

It prints ``recv hc state is UP`` or ``recv hc state is DOWN`` once per probe (``count`` probes,
``interval`` seconds apart; defaults: 1 probe, the check's own timeout and interval). The check is read
from the committed configuration and probed by the appliance (``ApplianceOps.verify_health``). The
command blocks the console while it probes (at most count × interval + timeout seconds), as on the box.

Fidelity lines (for docs/fidelity.md):

- ``health-check-verify`` probes the typed address and port (port 0 or none = the check's port, else the
  type's default port); the check's ``dest-addr`` does not apply.
- ``count n`` prints one ``recv hc state is UP|DOWN`` line per probe; count is 1–10.
- The older 6.x order ``<ip> <hc> [port]`` is accepted as well as 7.4's ``<hc> <ip> [port]``.
"""
from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from ..errors import CommandFail, UsageError
from .verb import Verb
from .words import match

if TYPE_CHECKING:
    from .context import Context

USAGE = ("Usage: execute health-check-verify <health-check> <ip> [port] | health-check <health-check> "
         "dest-address <ip> [count <1-10>] [timeout <1-3600>] [interval <1-3600>] [port <0-65535>]")
KEYWORDS = ("health-check", "dest-address", "count", "timeout", "interval", "port")
RANGES = {"count": (1, 10), "timeout": (1, 3600), "interval": (1, 3600), "port": (0, 65535)}


def _is_ip(word: str) -> bool:
    try:
        ipaddress.ip_address(word)
    except ValueError:
        return False
    return True


def _number(key: str, word: str) -> int:
    lo, hi = RANGES[key]
    if not word.isdigit() or not lo <= int(word) <= hi:
        raise UsageError(USAGE)
    return int(word)


def parse(args: list[str]) -> dict[str, str | int]:
    """The request as ``{"health-check", "dest-address", and any of count/timeout/interval/port}``."""
    out: dict[str, str | int] = {}
    if len(args) >= 4 and len(args) % 2 == 0 and any(k.startswith(args[0]) for k in KEYWORDS):
        for key_word, value in zip(args[::2], args[1::2]):
            key = match(key_word, KEYWORDS, UsageError(USAGE))
            if key in out:
                raise UsageError(USAGE)
            out[key] = value if key in ("health-check", "dest-address") else _number(key, value)
        if "health-check" not in out or "dest-address" not in out:
            raise UsageError(USAGE)
    elif len(args) in (2, 3):
        name, ip = (args[1], args[0]) if _is_ip(args[0]) and not _is_ip(args[1]) else (args[0], args[1])
        out = {"health-check": name, "dest-address": ip}
        if len(args) == 3:
            out["port"] = _number("port", args[2])
    else:
        raise UsageError(USAGE)
    if not _is_ip(str(out["dest-address"])):
        raise UsageError(USAGE)
    return out


def _verify(ctx: "Context", args: list[str]) -> list[str]:
    req = parse(args)
    name = str(req["health-check"])
    results = ctx.app.verify_health(
        name, str(req["dest-address"]), int(req.get("port", 0)),
        int(req["timeout"]) if "timeout" in req else None, int(req.get("count", 1)),
        int(req["interval"]) if "interval" in req else None)
    if results is None:
        raise CommandFail(-13, f"entry '{name}' not found in system.health-check")
    return [f"recv hc state is {'UP' if ok else 'DOWN'}" for ok in results]


HEALTH_VERBS: tuple[Verb, ...] = (
    Verb(("health-check-verify",), "verify health check", USAGE, _verify),
)
