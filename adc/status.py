"""`get system status` and `get system performance`: pure formatting, plus two samplers of this process.

The formatters are sans-IO (facts in, text out) so tests can pin every line; the ``sample_*`` functions
are the only place that looks at the real machine. The emulator *is* the appliance, so "CPU" and
"memory" are this Python process's own figures (psutil), and uptime counts from the emulator's start.
"""
from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import psutil

from adc.version import BUILD_DATE, version_line

# Longest label is "HA Configured Mode" / "Bootloader Version" (18 chars); + ": " gives column 20.
LABEL_WIDTH = 20

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_GIB = 1024**3
_MIB = 1024**2


def _default_signature_expire() -> date:
    """Signature DBs "expire" one year after the build date, so the line looks like a licensed box's."""
    yy, mm, dd = int(BUILD_DATE[:2]), int(BUILD_DATE[2:4]), int(BUILD_DATE[4:])
    return date(2000 + yy + 1, mm, dd)


@dataclass(frozen=True)
class StatusFacts:
    """Everything `get system status` prints, gathered once so formatting never touches the machine.

    Sizes are bytes (not rounded GB/MB) so the percentages come out exact. Datetimes must be aware:
    the output prints the timezone abbreviation.
    """

    hostname: str
    uptime_s: float
    boot_time: datetime
    now: datetime
    cpu_count: int
    ram_mb: int
    disk_total_bytes: int
    disk_used_bytes: int
    disk_free_bytes: int
    log_size_bytes: int
    machine_id: str
    cpu_allowed: int | None = None  # None: same as cpu_count
    ha_configured_mode: str = "standalone"
    ha_effective_mode: str = "Standalone"
    version: str = field(default_factory=version_line)
    waf_db: str = "00001.00043"
    iprep_db: str = "00004.00822"
    geo_db: str = "00002.00189"
    signature_expire: date = field(default_factory=_default_signature_expire)
    distribution: str = "International"
    cm_agent_status: str = "(Disabled)"

    def __post_init__(self) -> None:
        for name in ("boot_time", "now"):
            if getattr(self, name).tzinfo is None:
                raise ValueError(f"StatusFacts.{name} must be timezone-aware")

    @property
    def serial(self) -> str:
        return serial_from_machine_id(self.machine_id)


@dataclass(frozen=True)
class PerformanceFacts:
    """What `get system performance` prints; percentages are whole numbers 0..100."""

    cpu_used_pct: int
    mem_used_pct: int
    load: int
    uptime_s: float


def serial_from_machine_id(machine_id: str) -> str:
    """A stable VM serial shaped like the real ``FADVMSTM22000199`` (FADVMSTM + 8 digits from a hash)."""
    digest = hashlib.sha256(machine_id.encode("utf-8")).digest()
    return f"FADVMSTM{int.from_bytes(digest[:8], 'big') % 10**8:08d}"


def format_uptime(seconds: float) -> str:
    """``12 days 7 hours 54 minutes``: always all three units, floored, singular only for exactly 1."""
    total_min = max(0, int(seconds)) // 60
    days, rem = divmod(total_min, 24 * 60)
    hours, minutes = divmod(rem, 60)

    def unit(n: int, word: str) -> str:
        return f"{n} {word}" if n == 1 else f"{n} {word}s"

    return f"{unit(days, 'day')} {unit(hours, 'hour')} {unit(minutes, 'minute')}"


def format_timestamp(dt: datetime) -> str:
    """``Wed Nov 01 13:28:27 PDT 2023`` with English names whatever the process locale."""
    tz = dt.tzname() or ""
    return (f"{_DAYS[dt.weekday()]} {_MONTHS[dt.month - 1]} {dt.day:02d} "
            f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} {tz} {dt.year}")


def _line(label: str, value: str) -> str:
    return f"{label}: ".ljust(LABEL_WIDTH) + value


def format_system_status(f: StatusFacts) -> str:
    """The `get system status` block, labels in the real 7.4 order.

    Labels are padded so values start at column ``LABEL_WIDTH`` (20 = longest label "HA Configured
    Mode" + ": "); the reference says the real box pads to a column but its sample lost the spaces.
    Disk figures are whole GiB, floored; the percentage is ``%5.2f`` like ``( 5.73%)``. Log Size is the
    data directory's size in MiB and its share of the disk, as a whole percent.
    """
    allowed = f.cpu_count if f.cpu_allowed is None else f.cpu_allowed
    disk_gb = f.disk_total_bytes // _GIB
    used_pct = 100.0 * f.disk_used_bytes / f.disk_total_bytes if f.disk_total_bytes else 0.0
    log_pct = int(100 * f.log_size_bytes / f.disk_total_bytes) if f.disk_total_bytes else 0
    exp = f.signature_expire
    expire = f"(Expire: {exp.year}-{exp.month}-{exp.day})"  # the real box does not zero-pad: 2023-8-13
    lines = [
        _line("Version", f.version),
        _line("VM Registration",
              "Valid: License has been successfully authenticated with registration servers."),
        _line("VM License File", "License file and resources are valid."),
        _line("VM Resources", f"{f.cpu_count} CPU/{allowed} allowed, {f.ram_mb} MB RAM, {disk_gb} GB Disk"),
        _line("Serial-Number", f.serial),
        _line("WAF Signature DB", f"{f.waf_db} {expire}"),
        _line("IP Reputation DB", f"{f.iprep_db} {expire}"),
        _line("Geography IP DB", f.geo_db),
        _line("Bootloader Version", "n/a"),
        _line("Hard Disk", f"Capacity {disk_gb} GB, Used {f.disk_used_bytes // _GIB} GB ({used_pct:5.2f}%), "
                           f"Free {f.disk_free_bytes // _GIB} GB"),
        _line("Log Size", f"{f.log_size_bytes // _MIB} MB, {log_pct}%"),
        _line("Hostname", f.hostname),
        _line("HA Configured Mode", f.ha_configured_mode),
        _line("HA Effective Mode", f.ha_effective_mode),
        _line("Distribution", f.distribution),
        _line("CM Agent status", f.cm_agent_status),
        _line("Uptime", format_uptime(f.uptime_s)),
        _line("Last Reboot", format_timestamp(f.boot_time)),
        _line("System Time", format_timestamp(f.now)),
    ]
    return "\n".join(lines) + "\n"


def format_system_performance(p: PerformanceFacts) -> str:
    """The `get system performance` block; unpadded labels, exactly as the real sample."""
    used = min(100, max(0, p.cpu_used_pct))
    return (f"CPU usage: {used}% used, {100 - used}% idle\n"
            f"Memory usage: {p.mem_used_pct}% used\n"
            f"System Load: {p.load}\n"
            f"Uptime: {format_uptime(p.uptime_s)}\n")


# ----------------------------------------------------------------------------------------------
# Sampling the real process (the only I/O in this module)

def _machine_id(data_dir: Path) -> str:
    """Host machine-id plus the data directory: one host may run several emulated boxes."""
    host_id = ""
    for p in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            host_id = Path(p).read_text("ascii").strip()
        except OSError:
            continue
        if host_id:
            break
    if not host_id:
        import uuid
        host_id = f"{uuid.getnode():012x}"
    return f"{host_id}:{data_dir.resolve()}"


def _dir_size(root: Path, max_entries: int = 20000) -> int:
    """Bytes under ``root``, giving up after ``max_entries`` entries so the command stays fast."""
    total = 0
    seen = 0
    stack = [root]
    while stack and seen < max_entries:
        try:
            it = os.scandir(stack.pop())
        except OSError:
            continue
        with it:
            for entry in it:
                seen += 1
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
                    elif entry.is_file(follow_symlinks=False):
                        total += entry.stat(follow_symlinks=False).st_size
                except OSError:
                    pass
    return total


def _existing(path: Path) -> Path:
    """Nearest existing ancestor, so disk usage works before the data directory is created."""
    p = path.resolve()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def sample_status(hostname: str, started_at: float, data_dir: Path) -> StatusFacts:
    """Real figures: host CPUs/RAM, the disk holding ``data_dir``, its size as "log size".

    ``started_at`` is the emulator's start as a ``time.time()`` epoch: that is the box's last reboot.
    """
    now_ts = time.time()
    usage = psutil.disk_usage(str(_existing(data_dir)))
    return StatusFacts(
        hostname=hostname,
        uptime_s=max(0.0, now_ts - started_at),
        boot_time=datetime.fromtimestamp(started_at).astimezone(),
        now=datetime.fromtimestamp(now_ts).astimezone(),
        cpu_count=os.cpu_count() or 1,
        ram_mb=psutil.virtual_memory().total // _MIB,
        disk_total_bytes=usage.total,
        disk_used_bytes=usage.used,
        disk_free_bytes=usage.free,
        log_size_bytes=_dir_size(data_dir) if data_dir.is_dir() else 0,
        machine_id=_machine_id(data_dir),
    )


_cpu_lock = threading.Lock()
_cpu_last: tuple[float, float] | None = None  # (time.time(), process busy CPU seconds) at last sample


def _process_cpu_pct(proc: psutil.Process) -> int:
    """Process CPU since the previous call (first call: since process start), as % of all CPUs.

    Never sleeps: a blocking ``cpu_percent(interval=...)`` would stall every other session.
    """
    global _cpu_last
    t = proc.cpu_times()
    busy = t.user + t.system
    now = time.time()
    with _cpu_lock:
        prev = _cpu_last
        _cpu_last = (now, busy)
    if prev is None or now - prev[0] < 0.05:
        start_wall, start_busy = proc.create_time(), 0.0
    else:
        start_wall, start_busy = prev
    wall = now - start_wall
    if wall <= 0:
        return 0
    pct = 100.0 * (busy - start_busy) / (wall * (os.cpu_count() or 1))
    return int(min(100.0, max(0.0, round(pct))))


def sample_performance(started_at: float) -> PerformanceFacts:
    """Real figures of this process: CPU (see ``_process_cpu_pct``), memory = RSS as % of host RAM
    rounded up (a live process never shows 0%), load = 1-minute host load average rounded."""
    proc = psutil.Process()
    mem = int(min(100, max(0, math.ceil(proc.memory_percent()))))
    try:
        load = int(round(os.getloadavg()[0]))
    except (OSError, AttributeError):
        load = 0
    return PerformanceFacts(
        cpu_used_pct=_process_cpu_pct(proc),
        mem_used_pct=mem,
        load=load,
        uptime_s=max(0.0, time.time() - started_at),
    )
