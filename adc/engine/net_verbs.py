"""``execute ping``/``ping6``, ``ping-option``/``ping6-option``, ``traceroute`` and ``nslookup``.

The probes are real (``ApplianceOps.ping``: ICMP echo from this host); this module keeps each console
session's ping options, parses the commands and prints what the probes saw in the reference's words
(CLI744 p. 587-589, 584, 601). The output comes when the probe is over: a reply is one piece of text.
"""
from __future__ import annotations

import ipaddress
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable

from ..errors import AdcError, UsageError
from .ops import PingOptions, PingRun, TraceRun
from .verb import Verb
from .words import match

if TYPE_CHECKING:
    from .context import Context

U_PING = "Usage: execute ping <host-name|host-ip>"
U_PING6 = "Usage: execute ping6 <host-name|host-ipv6>"
U_TRACE = "Usage: execute traceroute <host-name|host-ip>"
U_NSLOOKUP = "Usage: execute nslookup name {<fqdn>|<ip>}"
TOS_NAMES = ("default", "lowcost", "lowdelay", "reliability", "throughput")
TOS_VALUES = {"default": 0, "lowcost": 2, "reliability": 4, "throughput": 8, "lowdelay": 16}
# option word -> (attribute, lowest, highest) for the integer options
_INTS = {"data-size": ("data_size", 0, 65507), "repeat-count": ("repeat_count", 1, 10000),
         "timeout": ("timeout", 1, 60), "ttl": ("ttl", 1, 255)}


def options(ctx: "Context", version: int) -> PingOptions:
    """The session's ``ping-option`` (4) or ``ping6-option`` (6) settings."""
    got = ctx.state.get(f"ping{version}-option")
    return got if isinstance(got, PingOptions) else PingOptions()


def view_settings(o: PingOptions) -> list[str]:
    return ["Ping Options:", f"  Repeat Count: {o.repeat_count}", f"  Data Size: {o.data_size}",
            f"  Timeout: {o.timeout}", f"  Interval: {o.interval}", f"  TTL: {o.ttl}", f"  TOS: {TOS_VALUES[o.tos]}",
            f"  DF bit: {'set' if o.df_bit else 'unset'}", f"  Source Address: {o.source}",
            f"  Pattern:{(' ' + o.pattern.hex()) if o.pattern else ''}", f"  Pattern Size in Bytes: {len(o.pattern)}",
            f"  Validate Reply: {'yes' if o.validate_reply else 'no'}"]


def _set_option(current: PingOptions, words: list[str], version: int) -> PingOptions:
    word, value = words
    usage = UsageError(_option_usage(version, word))
    if word in _INTS:
        attr, lo, hi = _INTS[word]
        if not value.isdigit() or not lo <= int(value) <= hi:
            raise UsageError(f"{word}: an integer {lo}-{hi}")
        number = int(value)
        if attr == "data_size":
            return replace(current, data_size=number)
        if attr == "repeat_count":
            return replace(current, repeat_count=number)
        return replace(current, timeout=number) if attr == "timeout" else replace(current, ttl=number)
    if word in ("df-bit", "validate-reply"):
        yes = match(value, ("yes", "no"), usage) == "yes"
        return replace(current, df_bit=yes) if word == "df-bit" else replace(current, validate_reply=yes)
    if word == "pattern":
        try:
            pattern = bytes.fromhex(value)
        except ValueError:
            raise UsageError("pattern: hex digits, e.g. 00ffaabb") from None
        if len(pattern) > 16:
            raise UsageError("pattern: at most 16 bytes")
        return replace(current, pattern=pattern)
    if word == "tos":
        return replace(current, tos=match(value, TOS_NAMES, UsageError(f"tos: one of {' '.join(TOS_NAMES)}")))
    # source
    if value != "auto":
        try:
            addr = ipaddress.ip_address(value)
        except ValueError:
            raise UsageError("source: auto or an address of this appliance") from None
        if addr.version != version:
            raise UsageError("source: auto or an address of this appliance")
    return replace(current, source=value)


# option -> (help as the reference's ``execute ping-option ?`` prints it, its argument)
OPTION_HELP = {
    "data-size": ("ping option settings", "<bytes>"), "df-bit": ("set DF bit in IP header <yes | no>", "{yes|no}"),
    "pattern": ("hex format of pattern, e.g. 00ffaabb", "<hex>"),
    "repeat-count": ("integer value to specify how many times to repeat ping", "<1-10000>"),
    "source": ("auto | <source interface ip>", "<auto|ip>"),
    "timeout": ("integer value to specify timeout in seconds", "<1-60>"),
    "tos": ("IP type-of-service option", "{" + "|".join(TOS_NAMES) + "}"),
    "ttl": ("integer value to specify time-to-live", "<1-255>"),
    "validate-reply": ("validate reply data <yes | no>", "{yes|no}"),
    "view-settings": ("view the current settings for ping option", ""),
}


def _ping_option(version: int, word: str) -> Callable[["Context", list[str]], Any]:
    def run(ctx: "Context", args: list[str]) -> list[str]:
        current = options(ctx, version)
        if word == "view-settings":
            if args:
                raise UsageError(_option_usage(version, word))
            return view_settings(current)
        if len(args) != 1:
            raise UsageError(_option_usage(version, word))
        ctx.state[f"ping{version}-option"] = _set_option(current, [word, args[0]], version)
        return []

    return run


def _option_usage(version: int, word: str) -> str:
    return f"Usage: execute ping{'6' if version == 6 else ''}-option {word} {OPTION_HELP[word][1]}".rstrip()


def format_ping(host: str, run: PingRun, data_size: int) -> list[str]:
    """The reference's ping output (CLI744 p. 589)."""
    out = [f"PING {host} ({run.address}): {data_size} data bytes"]
    for r in run.replies:
        ttl = f" ttl={r.ttl}" if r.ttl >= 0 else ""
        out.append(f"{r.size} bytes from {run.address}: icmp_seq={r.seq}{ttl} time={r.ms:.1f} ms"
                   + ("" if r.valid else " (wrong data)"))
    got = len(run.replies)
    loss = 100 * (run.sent - got) // run.sent if run.sent else 0
    out.append(f"--- {host} ping statistics ---")
    out.append(f"{run.sent} packets transmitted, {got} packets received, {loss}% packet loss")
    if got:
        times = [r.ms for r in run.replies]
        out.append(f"round-trip min/avg/max = {min(times):.1f}/{sum(times) / got:.1f}/{max(times):.1f} ms")
    return out


def _ping(version: int) -> Callable[["Context", list[str]], Any]:
    usage = U_PING if version == 4 else U_PING6

    def run(ctx: "Context", args: list[str]) -> list[str]:
        if len(args) != 1:
            raise UsageError(usage)
        opts = options(ctx, version)
        try:
            run = ctx.app.ping(args[0], version, opts)
        except OSError as err:
            raise AdcError(f"ping: {err.strerror or err}") from None
        return format_ping(args[0], run, opts.data_size)

    return run


def format_traceroute(host: str, run: TraceRun) -> list[str]:
    """The reference's traceroute output (CLI744 p. 601): one line a hop, three probes each."""
    size = 38 if ":" not in run.address else 58
    out = [f"traceroute to {host} ({run.address}), 30 hops max, {size} byte packets"]
    for n, probes in enumerate(run.hops, start=1):
        parts: list[str] = []
        last = ""
        for p in probes:
            if p is None:
                parts.append("*")
                continue
            if p[0] != last:
                parts.append(f"{p[0]} ({p[0]})")
                last = p[0]
            parts.append(f"{p[1]:.3f} ms")
        out.append(f"{n:2d} " + " ".join(parts))
    return out


def _traceroute(ctx: "Context", args: list[str]) -> list[str]:
    if len(args) != 1:
        raise UsageError(U_TRACE)
    try:
        run = ctx.app.traceroute(args[0])
    except OSError as err:
        raise AdcError(f"traceroute: {err.strerror or err}") from None
    return format_traceroute(args[0], run)


def _nslookup(ctx: "Context", args: list[str]) -> list[str]:
    if len(args) != 2 or match(args[0], ("name",), UsageError(U_NSLOOKUP)) != "name":
        raise UsageError(U_NSLOOKUP)
    try:
        name, addresses = ctx.app.lookup(args[1])
    except OSError as err:
        raise AdcError(err.strerror or str(err)) from None
    return ["", "Non-authoritative answer:", f"Name: {name}"] + [f"Address: {a}" for a in addresses]


NET_VERBS: tuple[Verb, ...] = (
    Verb(("nslookup",), "nslookup", U_NSLOOKUP, _nslookup),
    Verb(("ping",), "ping <host name | host ip>", U_PING, _ping(4)),
    Verb(("ping6",), "ping6 <host name | host ipv6>", U_PING6, _ping(6)),
    Verb(("traceroute",), "traceroute <host name | host ip>", U_TRACE, _traceroute),
) + tuple(Verb((f"ping{v}-option", word), help_, _option_usage(6 if v else 4, word), _ping_option(6 if v else 4, word))
          for v in ("", "6") for word, (help_, _) in OPTION_HELP.items())
