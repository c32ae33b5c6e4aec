"""How many client connections the data plane takes, and which listener waits when it is full.

One client must not be able to take every virtual server down by opening connections until the
process runs out of descriptors (then nothing can accept, health checks fail with EMFILE and mark
every member down). Three rules, as HAProxy has them and one beyond:

**A global limit from the descriptor limit** (``budget``), computed as HAProxy computes ``maxconn``
from ``ulimit-n``: at start the soft ``RLIMIT_NOFILE`` is raised to the hard one (at most
``FD_HARD_LIMIT``, HAProxy's ``fd-hard-limit`` default), then

    available = descriptors - RESERVE_BASE - 2 x listeners - health-check probes
    idle      = available / 10, kept within [MIN_IDLE, MAX_IDLE]   (idle member connections kept)
    maxconn   = (available - idle) / 2                              (a client connection and its
                                                                     member connection: 2 each)

``RESERVE_BASE`` (64) covers what is not a proxied connection: standard streams, log files, the
data directory's journal, the event loop and its wake-up sockets, consoles, SSH, certificate
reads, ``execute health-check-verify``. Each listener counts twice: its socket, and the one
connection it may accept beyond the limit when several listeners wake at once (the check is made
before each accept). Each health check running on a member counts once: a probe holds one
descriptor at a time. The result is recomputed at every reconcile (listeners and checks change).
A test or an operator may fix ``maxconn`` instead (``Dataplane(max_connections=...)``).

**Waiting, not refusing** (``Admission``): a listener that may not take another connection does not
accept it; the connection waits in the kernel's listen backlog until a slot frees, then it is
served. (``connection-limit`` on a virtual server is different and unchanged: over it, a
connection is accepted and closed at once, as FortiADC does.)

**A fair share per virtual server**, beyond HAProxy (whose frontends share ``maxconn`` first come,
first served): every virtual server that is served (has a listener) is guaranteed

    guarantee = maxconn / (2 x virtual servers served)

connections, and a virtual server may take a connection only while that leaves enough free slots
for the guarantees the *other* virtual servers are not using. So one virtual server alone may use
all of ``maxconn``; when it is flooded, it stops accepting at ``maxconn`` minus the others' unused
guarantees, and every other virtual server can still open its guaranteed connections at once (and
more, as long as slots are free). With two virtual servers, a flooded one holds at most 3/4 of
``maxconn``; with many, about half. A client is not limited by itself: a listener cannot tell
clients apart before it accepts, so a per-client share could only close or hold connections after
accepting them (HAProxy's stick-table ``reject``, nginx's ``limit_conn``); the per-virtual-server
share keeps one client's flood inside the virtual server it floods.

While a virtual server waits, the event log says so at most once per ``log_interval`` (60 s) per
virtual server (``on_wait``, the observer's ``connections_waiting``).

Memory: after a peak of at least ``TRIM_PEAK`` connections, once the number of live connections has
fallen to a quarter of it, and ``TRIM_DELAY`` seconds later (the closed connections' objects are
gone by then), cyclic garbage is collected and glibc is asked to give freed memory back
(``malloc_trim``), in a worker thread. Without it the heap stays at its peak size until more
traffic reuses it. Python's own small-object arenas are returned only when wholly empty, so part
of the peak stays (about half of the growth, measured: see tests/test_limits.py). ``malloc_trim``
exists with glibc on Linux only; elsewhere only the collection runs.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import math
import resource
import sys
from dataclasses import dataclass
from typing import Callable, Iterable

import trio

__all__ = [
    "Admission",
    "Budget",
    "FD_HARD_LIMIT",
    "RESERVE_BASE",
    "budget",
    "descriptor_limit",
    "trim_memory",
]

log = logging.getLogger("adc.dataplane")

FD_HARD_LIMIT = 1 << 20
MACOS_FD_LIMITS = (24576, 10240)  # kern.maxfilesperproc on larger Macs, and OPEN_MAX
RESERVE_BASE = 64
PER_LISTENER = 2
PER_CHECK = 1
MIN_IDLE, MAX_IDLE = 4, 4096
TRIM_PEAK = 1000
TRIM_DELAY = 5.0  # seconds after the low mark: the closing connections' objects are gone by then


def descriptor_limit(raise_soft: bool = True) -> tuple[int, int]:
    """(soft limit before, soft limit now) of ``RLIMIT_NOFILE``; the soft limit is raised to the hard
    one (at most ``FD_HARD_LIMIT``) first when ``raise_soft``, as HAProxy does at start."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    before = soft
    if raise_soft:
        target = FD_HARD_LIMIT if hard == resource.RLIM_INFINITY else min(hard, FD_HARD_LIMIT)
        if soft == resource.RLIM_INFINITY or soft < target:
            # the first the system takes: Linux refuses more than fs.nr_open; macOS reports an unlimited
            # hard limit but refuses more than kern.maxfilesperproc (OPEN_MAX 10240 by default)
            for limit in (target, *(n for n in MACOS_FD_LIMITS if soft < n < target)):
                try:
                    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
                    break
                except (ValueError, OSError):  # keep what we have, or try a smaller one
                    continue
            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        soft = FD_HARD_LIMIT
    if before == resource.RLIM_INFINITY:
        before = FD_HARD_LIMIT
    return before, soft


@dataclass(frozen=True)
class Budget:
    """What the descriptors are spent on (see the module docstring)."""

    descriptors: int  # the soft RLIMIT_NOFILE in force
    max_connections: int  # client connections, all virtual servers together
    idle: int  # idle member connections the keep-alive pool may keep
    reserve: int  # descriptors not spent on client connections and their member connections

    def describe(self) -> str:
        return (f"descriptor limit {self.descriptors}: at most {self.max_connections} client connections "
                f"(each with a member connection), {self.idle} idle member connections, "
                f"{self.reserve - self.idle} descriptors reserved for listeners, health checks, logs and consoles")


def budget(descriptors: int, listeners: int = 0, checks: int = 0, max_connections: int | None = None) -> Budget:
    """The budget for ``descriptors`` with that many listeners and health-check probes;
    ``max_connections`` fixes the global limit instead of deriving it."""
    available = descriptors - RESERVE_BASE - PER_LISTENER * listeners - PER_CHECK * checks
    idle = min(MAX_IDLE, max(MIN_IDLE, available // 10))
    computed = max(1, (available - idle) // 2)
    maxconn = computed if max_connections is None else max(1, max_connections)
    return Budget(descriptors, maxconn, idle, max(0, descriptors - 2 * maxconn))


class Admission:
    """The live client connections of each virtual server, and whether its listener may accept one more.

    Runs in the data plane's trio thread only. ``may_accept``, ``opened`` and ``closed`` are O(1)
    and synchronous (they are on every connection's path); a listener that may not accept parks in
    ``wait`` until a slot it could use frees. ``on_wait(vs, detail)`` is called at most once per
    ``log_interval`` seconds (trio's clock) per virtual server while it waits.
    """

    def __init__(self, max_connections: int = 1 << 30, log_interval: float = 60.0,
                 on_wait: Callable[[str, str], None] | None = None,
                 on_trim: Callable[[], None] | None = None) -> None:
        self.max = max(1, max_connections)
        self.log_interval = log_interval
        self.on_wait = on_wait
        self.on_trim = on_trim
        self.total = 0
        self.live: dict[str, int] = {}
        self.guarantee = 0
        self.peak = 0  # the most connections since memory was last trimmed
        self.waits: dict[str, int] = {}  # times each virtual server's listener had to wait
        self._guaranteed: dict[str, int] = {}  # served virtual server -> its guarantee
        self._unused = 0  # sum of the guarantees the served virtual servers do not use
        self._waiting: dict[str, trio.Event] = {}
        self._logged: dict[str, float] = {}

    def configure(self, max_connections: int, served: Iterable[str]) -> None:
        """A new global limit and set of served virtual servers (at every reconcile)."""
        names = set(served)
        self.max = max(1, max_connections)
        self.guarantee = self.max // (2 * len(names)) if names else 0
        self._guaranteed = dict.fromkeys(names, self.guarantee)
        self._unused = sum(max(0, self.guarantee - self.live.get(n, 0)) for n in names)
        self._logged = {n: t for n, t in self._logged.items() if n in names}
        self._wake_all()

    def may_accept(self, vs: str) -> bool:
        """Whether ``vs``'s listener may accept one more connection now."""
        free = self.max - self.total
        if free <= 0:
            return False
        own = self._guaranteed.get(vs, 0) - self.live.get(vs, 0)
        return free > self._unused - (own if own > 0 else 0)

    def opened(self, vs: str) -> None:
        n = self.live.get(vs, 0) + 1
        self.live[vs] = n
        self.total += 1
        if self.total > self.peak:
            self.peak = self.total
        if n <= self._guaranteed.get(vs, 0):
            self._unused -= 1

    def closed(self, vs: str) -> None:
        n = self.live.get(vs, 0) - 1
        if n > 0:
            self.live[vs] = n
        else:
            self.live.pop(vs, None)
        self.total -= 1
        g = self._guaranteed.get(vs, 0)
        if n < g:
            self._unused += 1  # the freed slot is vs's own again: only vs may have been waiting for it
            event = self._waiting.pop(vs, None) if self._waiting else None
            if event is not None:
                event.set()
        elif self._waiting:
            self._wake_all()
        if self.peak >= TRIM_PEAK and self.total <= self.peak // 4:
            self.peak = self.total
            if self.on_trim is not None:
                self.on_trim()

    async def wait(self, vs: str) -> None:
        """Park ``vs``'s listener until a slot it may use frees (or the limits change)."""
        self.waits[vs] = self.waits.get(vs, 0) + 1
        now = trio.current_time()
        if self.on_wait is not None and now - self._logged.get(vs, -math.inf) >= self.log_interval:
            self._logged[vs] = now
            self.on_wait(vs, self.describe_wait(vs))
        event = self._waiting.get(vs)
        if event is None:
            event = self._waiting[vs] = trio.Event()
        await event.wait()

    def describe_wait(self, vs: str) -> str:
        live = self.live.get(vs, 0)
        if self.total >= self.max:
            return (f"virtual server {vs}: all virtual servers together reached the connection limit "
                    f"({self.max}; {live} are {vs}'s): new connections wait in the listen backlog")
        return (f"virtual server {vs} reached its share of connections ({live} open; {self.max} allowed in "
                f"all, {self.guarantee} kept for each other virtual server): new connections wait in the "
                f"listen backlog")

    def _wake_all(self) -> None:
        waiting, self._waiting = self._waiting, {}
        for event in waiting.values():
            event.set()


_libc_trim: Callable[[int], int] | None = None
_libc_checked = False


def trim_memory() -> bool:
    """Collect cyclic garbage, then ask glibc to return freed heap memory to the system (run it in a
    worker thread); False where ``malloc_trim`` is not available."""
    global _libc_trim, _libc_checked
    gc.collect()
    if not _libc_checked:
        _libc_checked = True
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                _libc_trim = libc.malloc_trim
            except (OSError, AttributeError):  # musl and others have no malloc_trim
                _libc_trim = None
    if _libc_trim is None:
        return False
    _libc_trim(0)
    return True
