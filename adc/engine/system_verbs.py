"""``execute date``/``time``, ``reboot``, ``reload``, ``shutdown``, ``factoryreset2``, and the execute
commands of the reference that have nothing to act on in an appliance that is one process on one host.

- ``date``/``time`` show the appliance's clock and set it; the host's clock is never touched: the
  appliance keeps an offset (``ApplianceOps.set_clock``), shown by ``date``, ``time`` and ``get system
  status``-style views of this module.
- ``reboot`` (CLI744 p. 590) restarts the appliance on its saved configuration: every listener and
  connection closes, then the data plane serves the saved configuration again; the console session is
  back at the top level (working copies are dropped, as a reboot drops them). ``reload`` (p. 591) does the
  same. ``shutdown`` (p. 599) stops the data plane and ends the console.
- A command of the reference that cannot act here (firmware images, HA, disks, FortiGuard...) answers in
  one line why, and fails; none answers ``Unknown action 0``.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from ..errors import AdcError, UsageError
from .reply import Reply
from .verb import Verb

if TYPE_CHECKING:
    from .context import Context

U_DATE = "Usage: execute date [<mm/dd/yyyy>] [<hh:mm:ss>]"
U_TIME = "Usage: execute time [<hh:mm:ss>]"
U_BARE = "Usage: execute {}"
KEPT_BY_FACTORYRESET2 = (("system", "global"), ("system", "interface"), ("router", "static"), ("system", "vdom"))


def now_text(when: float) -> str:
    """``Tue Mar 10 10:00:47 PDT 2015`` (CLI744 p. 571), in the host's time zone."""
    return datetime.fromtimestamp(when).astimezone().strftime("%a %b %d %H:%M:%S %Z %Y")


def _parse_date(text: str) -> tuple[int, int, int]:
    parts = text.split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise UsageError(U_DATE)
    mm, dd, yyyy = (int(p) for p in parts)
    if not (1 <= mm <= 12 and 1 <= dd <= 31 and 2001 <= yyyy <= 2100):
        raise UsageError(U_DATE)
    return yyyy, mm, dd


def _parse_time(text: str, usage: str) -> tuple[int, int, int]:
    parts = text.split(":")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise UsageError(usage)
    h, m, s = (int(p) for p in (parts + ["0"])[:3])
    if not (0 <= h <= 23 and 0 <= m <= 59 and 0 <= s <= 59):
        raise UsageError(usage)
    return h, m, s


def _set(ctx: "Context", when: datetime) -> None:
    ctx.app.set_clock(when.timestamp())


def _date(ctx: "Context", args: list[str]) -> list[str]:
    if not args:
        return [now_text(ctx.app.clock())]
    if len(args) > 2:
        raise UsageError(U_DATE)
    y, mo, d = _parse_date(args[0])
    current = datetime.fromtimestamp(ctx.app.clock())
    h, mi, s = _parse_time(args[1], U_DATE) if len(args) == 2 else (current.hour, current.minute, current.second)
    try:
        _set(ctx, datetime(y, mo, d, h, mi, s))
    except ValueError:
        raise UsageError(U_DATE) from None  # 02/31/2026
    return []


def _time(ctx: "Context", args: list[str]) -> list[str]:
    if not args:
        return ["current time is: " + datetime.fromtimestamp(ctx.app.clock()).strftime("%H:%M:%S")]
    if len(args) != 1:
        raise UsageError(U_TIME)
    h, mi, s = _parse_time(args[0], U_TIME)
    current = datetime.fromtimestamp(ctx.app.clock())
    _set(ctx, current.replace(hour=h, minute=mi, second=s))
    return []


def _restart(word: str, warning: str, done: str) -> Callable[["Context", list[str]], Any]:
    def run(ctx: "Context", args: list[str]) -> Reply:
        if args:
            raise UsageError(U_BARE.format(word))

        def answer(yes: bool) -> Reply:
            if not yes:
                return Reply()
            ctx.frames.clear()  # a reboot drops what was being edited
            notes = ctx.app.reboot()
            return Reply(output=done + "\n" + "".join(n + "\n" for n in notes))

        return ctx.ask(warning, answer)

    return run


def _shutdown(ctx: "Context", args: list[str]) -> Reply:
    if args:
        raise UsageError(U_BARE.format("shutdown"))

    def answer(yes: bool) -> Reply:
        if not yes:
            return Reply()
        ctx.frames.clear()
        ctx.app.shutdown()
        return Reply(output="System is shutting down...(power-cycle needed to restart)\n", exit=True)

    return ctx.ask("This operation will halt the system!", answer)


def _factoryreset2(ctx: "Context", args: list[str]) -> Reply:
    if args:
        raise UsageError(U_BARE.format("factoryreset2"))

    def answer(yes: bool) -> Reply:
        if not yes:
            return Reply()
        tree = ctx.app.factory_tree()
        for path in KEPT_BY_FACTORYRESET2:
            node = ctx.store.tree.nodes.get(path)
            if node is not None:
                tree.nodes[path] = node.copy()
        ctx.replace(tree)
        return Reply(output="System is resetting to factory defaults...\n")

    return ctx.ask("This operation will change all settings to factory defaults, except system\n"
                   "     global/VDOMs/system interface/router static!", answer)


def _not_here(words: tuple[str, ...], why: str, root: str = "execute") -> Verb:
    text = f"{root} " + " ".join(words)

    def run(ctx: "Context", args: list[str]) -> list[str]:
        raise AdcError(f"{text}: not available on this appliance: {why}")

    return Verb(words, words[-1], f"Usage: {text}", run)


_NO_DISK = "the logs and configuration live in the data directory, not on a log disk"
_NO_FIRMWARE = "adc is one program, not a firmware image"
_NO_HA = "adc runs as one standalone node (no HA cluster)"
_NO_CLOUD = "adc has no FortiGuard, FortiCloud or EMS connection"
# The execute commands of CLI744 (p. 565-605) that have nothing to act on here, and why.
NOT_HERE: tuple[Verb, ...] = tuple(_not_here(w, why) for w, why in (
    (("40G-fan-out-config",), "there are no 40G ports"),
    (("autoupdate",), _NO_CLOUD),
    (("caching",), "adc keeps no content cache"),
    (("checklogdisk",), _NO_DISK),
    (("clean",), "adc has no ISP address book database"),
    (("config-sync",), _NO_HA),
    (("curl",), "use curl on the host"),
    (("curl-option",), "use curl on the host"),
    (("discovery-glb-virtual-server",), "adc has no global load balancing"),
    (("dns", "rebuild"), "adc has no DNS server"),
    (("dumpsystem",), "use `diagnose debug` and the files of the data directory"),
    (("dumpsystem-file",), "use `diagnose debug` and the files of the data directory"),
    (("fctems",), _NO_CLOUD),
    (("fixlogdisk",), _NO_DISK),
    (("formatlogdisk",), _NO_DISK),
    (("forticloud",), _NO_CLOUD),
    (("geolookup",), "adc has no geography database"),
    (("glb-dprox-lookup",), "adc has no global load balancing"),
    (("glb-persistence-lookup",), "adc has no global load balancing"),
    (("ha",), _NO_HA),
    (("hardware-ssl",), "adc has no SSL hardware"),
    (("hwmon",), "adc has no hardware sensors"),
    (("isplookup",), "adc has no ISP address book database"),
    (("log", "delete-file"), "log files rotate by themselves in the data directory"),
    (("log", "delete-type"), "log files rotate by themselves in the data directory"),
    (("log", "rebuild-db"), "adc keeps its logs as text files, with no database"),
    (("oas-file",), "adc has no API security"),
    (("packet-capture",), "use tcpdump on the host"),
    (("packet-capture6",), "use tcpdump on the host"),
    (("packet-capture-file",), "use tcpdump on the host"),
    (("scan-report",), "adc has no vulnerability scanner"),
    (("scripting-shared-table",), "adc runs no scripts"),
    (("ssh",), "use ssh on the host"),
    (("ssli",), "adc has no SSL inspection"),
    (("statistics-db",), "adc keeps its figures in memory, with no database"),
    (("telnet",), "use telnet on the host"),
    (("update-dldb",), _NO_CLOUD),
    (("update-now",), _NO_CLOUD),
    (("vm",), _NO_FIRMWARE),
    (("waf",), "adc has no web application firewall"),
    (("web-category-test",), _NO_CLOUD),
    (("web-vulnerability-scan",), "adc has no vulnerability scanner"),
    (("certificate", "ca"), "adc imports local certificates only (execute certificate local)"),
    (("certificate", "crl"), "adc imports local certificates only (execute certificate local)"),
    (("certificate", "remote"), "adc imports local certificates only (execute certificate local)"),
    (("certificate", "config"), "adc imports local certificates only (execute certificate local)"),
    (("restore", "config-file"), "the configuration is backed up as a script: use execute restore config"),
    (("restore", "image"), _NO_FIRMWARE),
    (("restore", "isp-address"), "adc has no ISP address book database"),
    (("restore", "waf-signature"), "adc has no web application firewall"),
    (("restore", "reputation-block-list"), "adc has no IP reputation database"),
    (("restore", "geoip-db"), "adc has no geography database"),
))

_HOST_TOOLS = "use the host's own tools (ip, ss, top)"
# The same for the diagnose commands of CLI744 (p. 510-560).
DIAGNOSE_NOT_HERE: tuple[Verb, ...] = tuple(_not_here(w, why, "diagnose") for w, why in (
    (("antivirus",), "adc has no antivirus"),
    (("debug", "flow"), "adc traces no packets: see diagnose server-load-balance session list"),
    (("debug", "module"), "the data plane's debug lines go to adc.log in the data directory"),
    (("endpoint-control",), _NO_CLOUD),
    (("firewall-session",), "adc has no firewall: see diagnose server-load-balance session clear"),
    (("hardware",), "adc has no hardware of its own"),
    (("llb",), "adc has no link load balancing"),
    (("netlink",), _HOST_TOOLS),
    (("server-load-balance", "dns-clients"), "adc has no DNS service"),
    (("sniffer",), "use tcpdump on the host"),
    (("system",), _HOST_TOOLS),
    (("tech-report",), "use get system status and the files of the data directory"),
    (("waf",), "adc has no web application firewall"),
))

SYSTEM_VERBS: tuple[Verb, ...] = (
    Verb(("date",), "set/get date and time", U_DATE, _date),
    Verb(("factoryreset2",), "reset to factory default, except system global/VDOMs/interface/static route",
         U_BARE.format("factoryreset2"), _factoryreset2),
    Verb(("reboot",), "reboot the system", U_BARE.format("reboot"),
         _restart("reboot", "This operation will reboot the system !", "System is rebooting...")),
    Verb(("reload",), "reload the system", U_BARE.format("reload"),
         _restart("reload", "This operation will reload the system!", "System is checking ...")),
    Verb(("shutdown",), "shutdown the system", U_BARE.format("shutdown"), _shutdown),
    Verb(("time",), "set/get system time", U_TIME, _time),
)
