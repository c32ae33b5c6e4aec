"""Data-plane speed (`make bench`): the appliance against HAProxy (one thread) and nginx direct.

One run starts, all on loopback:

* an nginx backend (one process) serving a 14-byte answer on ``/`` and a 100 MB object, over HTTP
  and HTTPS (for the direct baselines), and a WebSocket echo backend (``benchmarks.ws_echo``);
* HAProxy with ``nbthread 1`` (``benchmarks/haproxy.cfg.in``): an HTTP, a TCP, an HTTPS and a
  WebSocket frontend, plus filler frontends so that it carries as many listeners as the appliance;
* the appliance itself, ``adc --data-dir DIR`` fed its configuration on a pipe that stays open:
  one L7 (LB_PROF_HTTP), one L4 (LB_PROF_TCP), one HTTPS (LB_PROF_HTTPS + the Factory certificate)
  and one WebSocket virtual server, plus filler virtual servers: 100 in all.

Every proxy runs on the last CPU, alone; nginx, the echo backend and the load generators (wrk, the
Python WebSocket client, the idle-connection holder) share the other CPUs. Each measure is taken
round after round, the three targets one after the other in a rotating order, and the median of
the rounds is kept. Ratios compare medians: the appliance against HAProxy and against direct.

The cost of content routing is measured on the appliance alone (``rules``): L7 requests/s through a
virtual server whose ``content-routing-list`` has 20 rules (19 that do not match, strings and regular
expressions on the URL and the Host, then a catch-all) against the plain L7 virtual server, same pool.

Then the appliance is profiled with py-spy while the same loads run (not counted); two CPU floors are
measured on the proxy's CPU (``benchmarks.ceilings``: h11 alone, OpenSSL's server handshake alone) and
three prototype tunnels (``benchmarks.tunnel_proto``) show what other pump designs reach here. The
results go to ``docs/performance.md`` and the ratios to ``docs/performance.png``
(``benchmarks.perf_report``).

Environment: BENCH_ROUNDS (default 5), BENCH_SECONDS per measurement (default 5),
BENCH_PROFILE=0 to skip profiling, BENCH_DOC=0 to leave docs/ alone (a trial run), BENCH_ONLY=l7,ws,...
to run some measures only (keys: idle l7 l4 bulk https tls ws commit rules whatif), BENCH_KEEP=1 to keep the
scratch directory (logs, configurations, raw profiles).
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import ssl
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Callable

import psutil

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
DOC = ROOT / "docs" / "performance.md"
CHART = ROOT / "docs" / "performance.png"
PYTHON = sys.executable
ADC = str(Path(PYTHON).with_name("adc"))

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
WARMUP = 1.0
PROFILE = os.environ.get("BENCH_PROFILE", "1") != "0"
WRITE_DOC = os.environ.get("BENCH_DOC", "1") != "0"
ONLY = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
FILLERS = 96  # + the 4 measured virtual servers = 100
# Idle connections held for the memory measure: under the share one virtual server may hold (the
# appliance's fair share, ``adc.dataplane.limits``: with 20,000 descriptors and 101 virtual servers one
# of them gets about 5,600 connections while the others use none of theirs; a listener at its share
# leaves further connections in the backlog, and 10,000 would never all be accepted).
IDLE_CONNECTIONS = 5_000
COMMIT_ROUNDS = 15
ROUTING_RULES = 20  # the content-routing list of the ``rules`` measure: 19 that miss, then a catch-all
BIG_OBJECT = 100 * 1024 * 1024

# addresses (loopback only): every component on its own 127.0.x.y
NGINX_IP, WS_IP = "127.0.61.1", "127.0.61.2"
HAPROXY_IP, ADC_IP = "127.0.62.1", "127.0.63.1"
HAPROXY_FILL_NET, ADC_FILL_NET = "127.0.64", "127.0.65"
HAPROXY_NEW_NET, ADC_NEW_NET = "127.0.66", "127.0.67"
PROTO_IP = "127.0.68.1"
NAIVE_IP = "127.0.69.1"  # the naive trio + h11 reference proxy (benchmarks.naive_proxy)


# ------------------------------------------------------------------------------------------ utils

def log(msg: str) -> None:
    print(msg, flush=True)


def free_port(ip: str) -> int:
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def cpu_plan() -> tuple[set[int] | None, set[int] | None]:
    """(CPUs for the proxy under test, CPUs for everything else); no pinning on one CPU."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None
    return {cpus[-1]}, set(cpus[:-1])


PROXY_CPUS, LOAD_CPUS = cpu_plan()


def _die_with_parent() -> None:
    """In a child: get SIGTERM when the benchmark dies, however it dies (Linux ``PR_SET_PDEATHSIG``)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def pinned(cpus: set[int] | None) -> Callable[[], None]:
    def pin() -> None:
        if cpus is not None:
            os.sched_setaffinity(0, cpus)
        os.setpgrp()  # our own process group: a Ctrl-C at the terminal reaches us, and we clean up
        _die_with_parent()

    return pin


def wait_port(ip: str, port: int, timeout: float = 20.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} before listening on {ip}:{port}")
        try:
            socket.create_connection((ip, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listens on {ip}:{port} after {timeout:.0f} s")


def cpu_seconds(pid: int) -> float:
    try:
        t = psutil.Process(pid).cpu_times()
        return t.user + t.system
    except psutil.Error:
        return float("nan")


def first_line(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "missing"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "?"


def version_of(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpus(cpus: set[int] | None) -> str:
    if cpus is None:
        return "every CPU (one CPU: no pinning)"
    return ("CPU " if len(cpus) == 1 else "CPUs ") + ",".join(map(str, sorted(cpus)))


def machine() -> dict[str, str]:
    """What the document says about the machine and the software measured."""
    import datetime

    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    osname = platform.system()
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                osname = line.split("=", 1)[1].strip().strip('"')
    git = "not a git checkout"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "adc", "cli"], cwd=ROOT, capture_output=True,
                               text=True).stdout.strip()
        if head:
            git = f"commit {head}" + (", with uncommitted changes under adc/ or cli/" if dirty else "")
    nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip().replace("nginx version: nginx/", "")
    haproxy = first_line(["haproxy", "-v"]).split(" ")[2] if first_line(["haproxy", "-v"]).startswith("HAProxy") else "?"
    wrk_v = first_line(["wrk", "-v"]).split(" Copyright")[0]
    spy = py_spy()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": model,
        "cores": str(os.cpu_count()),
        "pinning": f"proxy under test on {_cpus(PROXY_CPUS)}, nginx and load generators on {_cpus(LOAD_CPUS)}",
        "proxy_cpus": _cpus(PROXY_CPUS),
        "load_cpus": _cpus(LOAD_CPUS),
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "os": osname,
        "kernel": platform.release(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "adc": version_of("adc"),
        "git": git,
        "packages": ", ".join(f"{d} {version_of(d)}" for d in ("trio", "h11", "cryptography", "psutil", "websockets")),
        "openssl": ssl.OPENSSL_VERSION,
        "tools": ", ".join([f"HAProxy {haproxy}", f"nginx {nginx}", wrk_v,
                            first_line([spy, "--version"]) if spy else "py-spy missing",
                            f"matplotlib {version_of('matplotlib')}"]),
        "other_load": "",
    }


# ------------------------------------------------------------------------------------------ the processes

class Procs:
    """Every process this run starts; all are stopped (by pid, process group of their own) at exit."""

    def __init__(self) -> None:
        self.all: list[subprocess.Popen] = []

    def start(self, cmd: list[str], cpus: set[int] | None, **kw) -> subprocess.Popen:
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        p = subprocess.Popen(cmd, preexec_fn=pinned(cpus), **kw)
        self.all.append(p)
        return p

    def stop(self, p: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                p.send_signal(sig)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def stop_all(self) -> None:
        for p in reversed(self.all):
            with contextlib.suppress(Exception):
                if p.stdin is not None and not p.stdin.closed:
                    p.stdin.close()
            self.stop(p)


class Appliance:
    """``adc --data-dir DIR`` with its configuration on a pipe kept open (a headless appliance)."""

    def __init__(self, procs: Procs, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.stderr_path = data_dir.parent / "adc-stderr.log"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = procs.start([ADC, "--data-dir", str(data_dir)], PROXY_CPUS, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=self._stderr)
        self.out: list[str] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            with self._lock:
                self.out.append(raw.decode("utf-8", "replace"))

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def sync(self, timeout: float = 60) -> None:
        """Wait until every line sent so far has run (a command with a known output follows them)."""
        with self._lock:
            seen = sum("Hostname:" in line for line in self.out)
        self.send("get system status\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if sum("Hostname:" in line for line in self.out) > seen:
                    return
            if self.proc.poll() is not None:
                raise RuntimeError(f"adc exited with {self.proc.returncode}: {self.errors()}")
            time.sleep(0.01)
        raise RuntimeError("adc did not answer in time")

    def errors(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")


def adc_config(nginx_port: int, ws_port: int, ports: dict[str, int]) -> str:
    lines = ["config load-balance real-server",
             f'edit "rs-nginx"', f"set ip {NGINX_IP}", "next",
             f'edit "rs-ws"', f"set ip {WS_IP}", "next", "end",
             "config load-balance pool"]
    for pool, rs, port in (("p-http", "rs-nginx", nginx_port), ("p-ws", "rs-ws", ws_port)):
        lines += [f'edit "{pool}"', "config pool_member", "edit 1", f'set real-server "{rs}"',
                  f"set pool_member_service_port {port}", "next", "end", "next"]
    lines += ["end", "config load-balance virtual-server"]

    def vs(name: str, vs_type: str, ip: str, port: int, profile: str, pool: str, extra: tuple[str, ...] = ()) -> None:
        lines.extend([f'edit "{name}"', f"set type {vs_type}", f"set ip {ip}", f"set port {port}",
                      f"set load-balance-profile {profile}", "set load-balance-method LB_METHOD_ROUND_ROBIN",
                      f'set load-balance-pool "{pool}"', *extra, "next"])

    vs("bench-l7", "l7-load-balance", ADC_IP, ports["l7"], "LB_PROF_HTTP", "p-http")
    vs("bench-l4", "l4-load-balance", ADC_IP, ports["l4"], "LB_PROF_TCP", "p-http")
    vs("bench-https", "l7-load-balance", ADC_IP, ports["https"], "LB_PROF_HTTPS", "p-http",
       ("set client-ssl-profile LB_CLIENT_SSL_PROF_DEFAULT",))
    vs("bench-ws", "l7-load-balance", ADC_IP, ports["ws"], "LB_PROF_HTTP", "p-ws")
    lines += ["end", *routing_rules(ROUTING_RULES, "p-http"), "config load-balance virtual-server"]
    names = " ".join(f"R{i}" for i in range(ROUTING_RULES))
    lines += ['edit "bench-rules"', "set type l7-load-balance", f"set ip {ADC_IP}", f"set port {ports['rules']}",
              "set load-balance-profile LB_PROF_HTTP", "set content-routing enable",
              f"set content-routing-list {names}", "next"]
    for i in range(FILLERS):
        vs(f"fill-{i}", "l7-load-balance", f"{ADC_FILL_NET}.{i + 1}", ports["fill"], "LB_PROF_HTTP", "p-http")
    lines.append("end")
    return "\n".join(lines) + "\n"


def routing_rules(n: int, pool: str) -> list[str]:
    """``n`` content-routing rules to ``pool``: the first n-1 never match the benchmark's ``GET /`` (a
    substring of the URL, a regular expression on the URL, a Host regular expression with ignore-case,
    a referer string, in turn: every rule is evaluated for every request), the last has no condition."""
    conds = [("http-request-url", "string", "/never-{i}/"),
             ("http-request-url", "regular-expression", "^/api/v[0-9]+/item-{i}$"),
             ("http-host-header", "regular-expression", "^app{i}[.]example[.]com$"),
             ("http-referer-header", "string", "portal-{i}")]
    lines = ["config load-balance content-routing"]
    for i in range(n):
        lines += [f'edit "R{i}"', f'set load-balance-pool "{pool}"']
        if i < n - 1:
            obj, kind, content = conds[i % len(conds)]
            lines += ["config match-condition", "edit 1", f"set object {obj}", f"set type {kind}",
                      f"set content {content.format(i=i)}"]
            lines += ["set ignore-case enable"] if obj == "http-host-header" else []
            lines += ["next", "end"]
        lines.append("next")
    lines.append("end")
    return lines


def haproxy_config(tmpl: string.Template, base: dict[str, object], extra_frontends: list[tuple[str, int]]) -> str:
    extra = []
    for i in range(FILLERS):
        extra += [f"frontend fill{i}", "    mode http", f"    bind {HAPROXY_FILL_NET}.{i + 1}:{base['fill_port']}",
                  "    default_backend be_http", ""]
    for ip, port in extra_frontends:
        extra += [f"frontend new_{ip.replace('.', '_')}", "    mode http", f"    bind {ip}:{port}",
                  "    default_backend be_http", ""]
    return tmpl.substitute(base, extra="\n".join(extra))


# ------------------------------------------------------------------------------------------ load generators

_UNITS = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4}


@dataclass
class Sample:
    value: float  # in the measure's unit
    cpu: float  # the CPU use of the process under test (nginx for direct) during the measurement, in cores
    errors: str = ""
    other: float = 0.0  # CPU use (cores) by processes that are not part of this benchmark, meanwhile


def wrk(url: str, conns: int, seconds: float, close: bool = False) -> tuple[float, float, str]:
    """(requests/s, bytes/s, error summary) from one wrk run with one thread."""
    cmd = ["wrk", "-t1", f"-c{conns}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    if close:
        cmd += ["-H", "Connection: close"]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=pinned(LOAD_CPUS),
                         timeout=seconds + 60).stdout
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    tps = re.search(r"Transfer/sec:\s*([\d.]+)([KMGT]?B)", out)
    if rps is None or tps is None:
        raise RuntimeError(f"wrk gave no figures for {url}:\n{out}")
    errors = []
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m and any(int(x) for x in m.groups()):
        errors.append(f"socket errors connect/read/write/timeout {'/'.join(m.groups())}")
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors.append(f"{m.group(1)} non-2xx")
    return float(rps.group(1)), float(tps.group(1)) * _UNITS[tps.group(2)], "; ".join(errors)


def tls_load(ip: str, port: int, conns: int, warmup: float, seconds: float) -> tuple[float, str]:
    out = subprocess.run([PYTHON, "-m", "benchmarks.tls_handshakes", ip, str(port), str(conns), str(warmup), str(seconds)],
                         capture_output=True, text=True, cwd=ROOT, preexec_fn=pinned(LOAD_CPUS), timeout=warmup + seconds + 60)
    if out.returncode != 0:
        raise RuntimeError(f"TLS handshake client failed against {ip}:{port}:\n{out.stderr[-2000:]}")
    r = json.loads(out.stdout.strip().splitlines()[-1])
    return r["handshakes_per_s"], (f"{r['errors']} failed connections" if r["errors"] else "")


def ws_load(ip: str, port: int, conns: int, warmup: float, seconds: float) -> float:
    out = subprocess.run([PYTHON, "-m", "benchmarks.ws_echo", "client", ip, str(port), str(conns), str(warmup), str(seconds)],
                         capture_output=True, text=True, cwd=ROOT, preexec_fn=pinned(LOAD_CPUS), timeout=warmup + seconds + 60)
    if out.returncode != 0:
        raise RuntimeError(f"WebSocket client failed against {ip}:{port}:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])["messages_per_s"]


# ------------------------------------------------------------------------------------------ the measures

@dataclass
class Measure:
    key: str
    title: str
    unit: str
    fmt: str  # format for one value
    target: float | None  # wanted adc/HAProxy ratio (None: none)
    how: str  # the method, for the document
    run: Callable[[str, float], Sample]  # (target name, seconds) -> sample
    naive: bool = False  # the naive trio + h11 reference proxy is measured too (issue 14: never behind it)
    samples: dict[str, list[Sample]] = field(default_factory=dict)

    def median(self, who: str) -> float:
        vals = [s.value for s in self.samples.get(who, [])]
        return statistics.median(vals) if vals else float("nan")

    def spread(self, who: str) -> tuple[float, float]:
        vals = [s.value for s in self.samples.get(who, [])]
        return (min(vals), max(vals)) if vals else (float("nan"), float("nan"))

    def cpu(self, who: str) -> float:
        vals = [s.cpu for s in self.samples.get(who, []) if s.cpu == s.cpu]
        return statistics.median(vals) if vals else float("nan")

    def per_core(self, who: str) -> float:
        """Median of value / CPU used: what one fully busy core would give (if it scaled linearly)."""
        vals = [s.value / s.cpu for s in self.samples.get(who, []) if s.cpu > 0.05]
        return statistics.median(vals) if vals else float("nan")

    def per_core_ratio(self, who: str = "haproxy") -> float:
        base = self.per_core(who)
        return self.per_core("adc") / base if base else float("nan")


    def ratio(self, who: str = "haproxy") -> float:
        base = self.median(who)
        return self.median("adc") / base if base else float("nan")

    def errors(self) -> list[str]:
        return [f"{who}: {s.errors}" for who, ss in self.samples.items() for s in ss if s.errors]


def system_busy() -> float:
    """CPU-seconds all CPUs spent in user and system mode so far (``/proc/stat``; irq time excluded)."""
    with open("/proc/stat") as f:
        fields = f.readline().split()
    return (int(fields[1]) + int(fields[2]) + int(fields[3])) / os.sysconf("SC_CLK_TCK")


def own_children_cpu() -> float:
    """CPU-seconds of this process and of its children already waited for (wrk, the Python clients)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


# ------------------------------------------------------------------------------------------ profiling

def py_spy() -> str | None:
    exe = Path(PYTHON).with_name("py-spy")
    return str(exe) if exe.exists() else shutil.which("py-spy")


def profile_run(pid: int, seconds: float, out: Path, load: Callable[[], object]) -> Path | None:
    """Sample the appliance with py-spy (raw collapsed stacks of busy threads) while ``load`` runs."""
    exe = py_spy()
    if exe is None:
        return None
    rec = subprocess.Popen([exe, "record", "--pid", str(pid), "--duration", f"{seconds:g}", "--rate", "400",
                            "--format", "raw", "--threads", "--nonblocking", "--output", str(out)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=pinned(LOAD_CPUS))
    time.sleep(0.3)
    load()
    _, err = rec.communicate(timeout=seconds + 60)
    if rec.returncode != 0 or not out.exists():
        log(f"  py-spy failed: {err.decode(errors='replace')[-500:]}")
        return None
    return out


_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _syscall_lines() -> set[int]:
    """Lines of trio's ``_nonblocking_helper`` that call the socket method itself (the syscall)."""
    import inspect

    import trio._socket

    try:
        src, start = inspect.getsourcelines(trio._socket._SocketType._nonblocking_helper)
    except (AttributeError, OSError, TypeError):
        return set()
    return {start + i for i, text in enumerate(src) if "return fn(self._sock" in text}


_SYSCALL_LINES = _syscall_lines()


def _short_file(path: str) -> str:
    p = path.replace("\\", "/")
    if "/site-packages/" in p:
        return p.split("/site-packages/", 1)[1]
    if str(ROOT) + "/" in p:
        return p.split(str(ROOT) + "/", 1)[1]
    m = re.search(r"/lib/python3\.\d+/(.*)$", p)
    return m.group(1) if m else p


CATEGORIES = {
    "syscalls": "socket syscalls (send, recv, accept, close, liveness checks)",
    "trio_sched": "trio: a checkpoint per socket operation, task switches, run loop",
    "trio_epoll": "trio: epoll registration and polling",
    "trio_scope": "trio: cancel scopes and deadlines (every timeout)",
    "tls_hs": "OpenSSL: TLS handshake",
    "tls_rec": "TLS records: OpenSSL read/write and trio SSLStream",
    "h11": "h11: HTTP parsing and serialising",
    "adc": "adc: proxy code (adc/dataplane)",
    "other": "other Python (contextlib, collections, dataclasses, ...)",
}


def _category(func: str, file: str, line: int | None) -> str:
    if file.startswith("adc/"):
        return "adc"
    if file.startswith("h11/"):
        return "h11"
    if file == "ssl.py":
        return "tls_hs" if func.endswith("do_handshake") else "tls_rec"
    if file.startswith("trio/_ssl"):
        return "tls_rec"
    if file == "socket.py" or (file.startswith("trio/_socket") and (
            line in _SYSCALL_LINES or func.endswith(("is_readable", "getsockname", "getpeername", "setsockopt", "close")))):
        return "syscalls"
    if file.startswith("trio/_core/_io_epoll"):
        return "trio_epoll"
    if file.startswith(("trio/_timeouts", "trio/_core/_run")) and (
            "CancelScope" in func or "Deadline" in func or "deadline" in func or file.startswith("trio/_timeouts")):
        return "trio_scope"
    if file.startswith(("trio/", "outcome/", "sniffio/")):
        return "trio_sched"
    return "other"


@dataclass
class Profile:
    samples: int  # busy samples of the data-plane thread
    seconds: float
    self_time: list[tuple[str, int]]  # "func (file:line)" by own samples
    inclusive: list[tuple[str, int]]  # adc functions by samples with them on the stack
    categories: list[tuple[str, int]]  # category key by own samples


def summarise_profile(path: Path, seconds: float) -> Profile | None:
    """Top frames of the data-plane thread from py-spy's raw output (``thread;frame;... count``)."""
    self_c: dict[str, int] = {}
    incl: dict[str, int] = {}
    cats: dict[str, int] = {}
    total = 0
    lines = path.read_text(errors="replace").splitlines()
    named = any("dataplane" in line.split(";", 1)[0] for line in lines)
    for line in lines:
        stack, _, count_s = line.rpartition(" ")
        if not stack or not count_s.isdigit():
            continue
        count = int(count_s)
        frames = [f for f in stack.split(";") if f]
        if frames and frames[0].startswith("thread "):
            if named and "dataplane" not in frames[0]:
                continue  # the console thread, the log writer
            frames = frames[1:]
        if not frames:
            continue
        parsed = []
        for f in frames:
            m = _FRAME.match(f.strip())
            if m:
                parsed.append((m.group("func"), _short_file(m.group("file")), int(m.group("line")) if m.group("line") else None))
            else:
                parsed.append((f.strip(), "?", None))
        total += count
        func, file, lineno = parsed[-1]
        key = f"{func} ({file}:{lineno})" if lineno else f"{func} ({file})"
        self_c[key] = self_c.get(key, 0) + count
        cat = _category(func, file, lineno)
        cats[cat] = cats.get(cat, 0) + count
        seen = set()
        for func, file, _ in parsed:
            if file.startswith("adc/") and (func, file) not in seen:
                seen.add((func, file))
                k = f"{func} ({file})"
                incl[k] = incl.get(k, 0) + count
    if not total:
        return None

    def top(d: dict[str, int], n: int) -> list[tuple[str, int]]:
        return sorted(d.items(), key=lambda kv: -kv[1])[:n]

    return Profile(total, seconds, top(self_c, 15), top(incl, 10), top(cats, len(CATEGORIES)))


# ------------------------------------------------------------------------------------------ the run

class Bench:
    def __init__(self) -> None:
        self.procs = Procs()
        self.tmp = Path(tempfile.mkdtemp(prefix="adc-bench-"))
        self.measures: list[Measure] = []
        self.extra: dict[str, object] = {}
        self.profiles: dict[str, Profile] = {}
        self.notes: list[str] = []
        self.machine = machine()

    # ---- set up
    def setup(self) -> None:
        t = self.tmp
        (t / "www").mkdir()
        (t / "nginx-tmp").mkdir()
        with open(t / "www" / "big.bin", "wb") as f:
            chunk = os.urandom(1 << 20)
            for _ in range(BIG_OBJECT >> 20):
                f.write(chunk)
        self.nginx_http, self.nginx_https = free_port(NGINX_IP), free_port(NGINX_IP)
        self.ws_port = free_port(WS_IP)
        self.hp = {k: free_port(HAPROXY_IP) for k in ("l7", "l4", "https", "ws")}
        self.ap = {k: free_port(ADC_IP) for k in ("l7", "l4", "https", "ws", "rules")}
        self.hp["fill"] = self.ap["fill"] = free_port(ADC_IP)
        self.hp["new"] = self.ap["new"] = free_port(ADC_IP)

        log("starting the appliance (100 virtual servers) ...")
        self.adc = Appliance(self.procs, t / "adc-data")
        self.adc.send(adc_config(self.nginx_http, self.ws_port, self.ap))
        self.adc.sync()
        errs = self.adc.errors().strip()
        if errs:
            raise RuntimeError(f"the appliance refused its configuration:\n{errs}")
        for k in ("l7", "l4", "https", "ws"):
            wait_port(ADC_IP, self.ap[k], proc=self.adc.proc)
        certs = t / "adc-data" / "certs"
        self.cert, self.key = certs / "Factory.crt", certs / "Factory.key"
        (t / "combo.pem").write_bytes(self.cert.read_bytes() + self.key.read_bytes())

        log("starting nginx, the WebSocket echo backend and HAProxy (nbthread 1) ...")
        conf = string.Template((HERE / "nginx.conf.in").read_text()).substitute(
            dir=t, ip=NGINX_IP, http_port=self.nginx_http, https_port=self.nginx_https, cert=self.cert, key=self.key)
        (t / "nginx.conf").write_text(conf)
        self.nginx = self.procs.start(["nginx", "-p", str(t), "-c", str(t / "nginx.conf")], LOAD_CPUS,
                                      stderr=open(t / "nginx-stderr.log", "wb"))
        wait_port(NGINX_IP, self.nginx_http, proc=self.nginx)
        self.ws = self.procs.start([PYTHON, "-m", "benchmarks.ws_echo", "server", WS_IP, str(self.ws_port)], LOAD_CPUS, cwd=ROOT)
        wait_port(WS_IP, self.ws_port, proc=self.ws)

        self.hp_tmpl = string.Template((HERE / "haproxy.cfg.in").read_text())
        self.hp_base = dict(dir=t, ip=HAPROXY_IP, nginx_ip=NGINX_IP, nginx_http_port=self.nginx_http,
                            ws_ip=WS_IP, ws_port=self.ws_port, combo=t / "combo.pem",
                            l7_port=self.hp["l7"], l4_port=self.hp["l4"], https_port=self.hp["https"],
                            ws_fe_port=self.hp["ws"], fill_port=self.hp["fill"])
        cfg = t / "haproxy.cfg"
        cfg.write_text(haproxy_config(self.hp_tmpl, self._hp_vars(), []))
        self.haproxy = self.procs.start(["haproxy", "-db", "-f", str(cfg)], PROXY_CPUS,
                                        stderr=open(t / "haproxy-stderr.log", "wb"))
        for k in ("l7", "l4", "https", "ws"):
            wait_port(HAPROXY_IP, self.hp[k], proc=self.haproxy)

        # the naive trio + h11 reference proxy, on the proxies' CPU (it runs alone there like the others)
        self.np = {k: free_port(NAIVE_IP) for k in ("l7", "l4", "https")}
        self.naive = self.procs.start([PYTHON, "-m", "benchmarks.naive_proxy", NAIVE_IP, str(self.np["l7"]),
                                       str(self.np["l4"]), str(self.np["https"]), NGINX_IP, str(self.nginx_http),
                                       str(self.cert), str(self.key)], PROXY_CPUS, cwd=ROOT,
                                      stderr=open(t / "naive-stderr.log", "wb"))
        for k in ("l7", "l4", "https"):
            wait_port(NAIVE_IP, self.np[k], proc=self.naive)

        # sanity: every path answers before anything is measured
        for url in [*self.urls("/").values(), self.urls("/", tls=True)["naive"], self.l4_urls("/")["naive"]]:
            self._check_url(url)

    def _hp_vars(self) -> dict[str, object]:
        return dict(self.hp_base)

    def urls(self, path: str, tls: bool = False) -> dict[str, str]:
        if tls:
            return {"direct": f"https://{NGINX_IP}:{self.nginx_https}{path}",
                    "haproxy": f"https://{HAPROXY_IP}:{self.hp['https']}{path}",
                    "adc": f"https://{ADC_IP}:{self.ap['https']}{path}",
                    "naive": f"https://{NAIVE_IP}:{self.np['https']}{path}"}
        return {"direct": f"http://{NGINX_IP}:{self.nginx_http}{path}",
                "haproxy": f"http://{HAPROXY_IP}:{self.hp['l7']}{path}",
                "adc": f"http://{ADC_IP}:{self.ap['l7']}{path}",
                "naive": f"http://{NAIVE_IP}:{self.np['l7']}{path}"}

    def l4_urls(self, path: str) -> dict[str, str]:
        return {"direct": f"http://{NGINX_IP}:{self.nginx_http}{path}",
                "haproxy": f"http://{HAPROXY_IP}:{self.hp['l4']}{path}",
                "adc": f"http://{ADC_IP}:{self.ap['l4']}{path}",
                "naive": f"http://{NAIVE_IP}:{self.np['l4']}{path}"}

    def _check_url(self, url: str) -> None:
        rps, _, errors = wrk(url, 2, 1)
        if errors or rps <= 0:
            raise RuntimeError(f"{url} does not answer cleanly: {errors or 'no requests'}")

    def pid_of(self, who: str) -> int | None:
        return {"direct": self.nginx.pid, "haproxy": self.haproxy.pid, "adc": self.adc.pid, "naive": self.naive.pid}[who]

    def timed(self, who: str, fn: Callable[[], tuple[float, str]], seconds: float) -> Sample:
        """Run one measurement; record the CPU use of the target and of everything not ours."""
        pid = self.pid_of(who)
        ours = [self.nginx.pid, self.ws.pid, self.haproxy.pid, self.adc.pid, self.naive.pid]
        c0 = {p: cpu_seconds(p) for p in ours}
        b0, k0, t0 = system_busy(), own_children_cpu(), time.perf_counter()
        value, errors = fn()
        c1 = {p: cpu_seconds(p) for p in ours}
        b1, k1, t1 = system_busy(), own_children_cpu(), time.perf_counter()
        mine = (k1 - k0) + sum(c1[p] - c0[p] for p in ours)
        other = max(0.0, (b1 - b0) - mine) / (t1 - t0)
        return Sample(value, (c1[pid] - c0[pid]) / (t1 - t0), errors, other)

    # ---- the measures
    def define(self) -> None:
        u, t, l4 = self.urls("/"), self.urls("/", tls=True), self.l4_urls("/")
        big = self.l4_urls("/big.bin")
        ws = {"direct": (WS_IP, self.ws_port), "haproxy": (HAPROXY_IP, self.hp["ws"]), "adc": (ADC_IP, self.ap["ws"])}

        def wrk_measure(urls: dict[str, str], conns: int, close: bool = False, bulk: bool = False):
            def run(who: str, seconds: float) -> Sample:
                def go() -> tuple[float, str]:
                    rps, bps, errors = wrk(urls[who], conns, seconds, close)
                    return (bps / 1e6 if bulk else rps), errors
                return self.timed(who, go, seconds)
            return run

        tls = {"direct": (NGINX_IP, self.nginx_https), "haproxy": (HAPROXY_IP, self.hp["https"]),
               "adc": (ADC_IP, self.ap["https"])}

        def tls_measure(who: str, seconds: float) -> Sample:
            ip, port = tls[who]
            return self.timed(who, lambda: tls_load(ip, port, 50, 0.5, seconds), seconds + 0.5)

        def ws_measure(who: str, seconds: float) -> Sample:
            ip, port = ws[who]
            return self.timed(who, lambda: (ws_load(ip, port, 50, 0.5, seconds), ""), seconds + 0.5)

        self.measures = [
            Measure("l7", "L7 HTTP keep-alive", "requests/s", "{:,.0f}", 0.20,
                    "wrk, 1 thread, 50 keep-alive connections, `GET /` (14-byte body)", wrk_measure(u, 50), naive=True),
            Measure("l4", "L4 keep-alive", "requests/s", "{:,.0f}", 0.5,
                    "wrk, 1 thread, 50 keep-alive connections through the TCP virtual server / `mode tcp`",
                    wrk_measure(l4, 50), naive=True),
            Measure("bulk", "L4 bulk (100 MB objects)", "MB/s", "{:,.0f}", 1.0,
                    "wrk, 1 thread, 4 connections fetching a 100 MB object again and again through the TCP path",
                    wrk_measure(big, 4, bulk=True), naive=True),
            Measure("https", "HTTPS keep-alive", "requests/s", "{:,.0f}", 0.2,
                    "wrk, 1 thread, 50 keep-alive TLS connections, `GET /`; TLS ends at the proxy, plain HTTP to nginx",
                    wrk_measure(t, 50), naive=True),
            Measure("tls", "New TLS handshakes", "handshakes/s", "{:,.0f}", 0.8,
                    "`benchmarks/tls_handshakes.py`: 50 connections in flight, each a new TCP connection, a full TLS "
                    "handshake (never resumed: RSA-2048 Factory certificate, TLS 1.3, X25519), one `GET /` with "
                    "`Connection: close`, read to the close", tls_measure),
            Measure("ws", "WebSocket echo", "messages/s", "{:,.0f}", 0.5,
                    "50 WebSockets (Upgrade through the proxy), each playing ping-pong with 32-byte binary messages "
                    "against an echo backend (`benchmarks/ws_echo.py`); one message = one echo round trip",
                    ws_measure),
        ]

    def measure_all(self) -> None:
        for m in self.measures:
            order = ["direct", "haproxy", "adc"] + (["naive"] if m.naive else [])
            log(f"{m.title} ({m.unit}): warm-up")
            for who in order:
                m.run(who, WARMUP)
            for r in range(ROUNDS):
                rot = order[r % len(order):] + order[:r % len(order)]
                for who in rot:
                    s = m.run(who, SECONDS)
                    m.samples.setdefault(who, []).append(s)
                line = ", ".join(f"{who} {m.fmt.format(m.samples[who][-1].value)} (cpu {m.samples[who][-1].cpu:.2f}, "
                                 f"others {m.samples[who][-1].other:.2f})" for who in order)
                log(f"  round {r + 1}/{ROUNDS}: {line}")
            log(f"  median: adc/HAProxy {m.ratio():.3f}x, adc/direct {m.ratio('direct'):.3f}x"
                + (f", adc/naive {m.ratio('naive'):.3f}x" if m.naive else "")
                + (f" (target {m.target}x)" if m.target else ""))

    # ---- memory per idle connection
    def idle_memory(self) -> None:
        holder = self.procs.start([PYTHON, "-m", "benchmarks.idle_conns"], LOAD_CPUS, cwd=ROOT,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert holder.stdout is not None and holder.stdin is not None
        if holder.stdout.readline().strip() != "ready":
            raise RuntimeError("the idle-connection holder did not start")
        results = {}
        for who, ip, port in (("adc", ADC_IP, self.ap["l7"]), ("haproxy", HAPROXY_IP, self.hp["l7"])):
            proc = psutil.Process(self.pid_of(who))
            time.sleep(0.5)
            fds0, rss0 = proc.num_fds(), proc.memory_info().rss
            t0 = time.perf_counter()
            holder.stdin.write(f"open {ip} {port} {IDLE_CONNECTIONS}\n")
            holder.stdin.flush()
            answer = holder.stdout.readline().strip()
            if not answer.startswith("opened"):
                raise RuntimeError(f"opening {IDLE_CONNECTIONS} idle connections to {who} failed: {answer}")
            deadline = time.monotonic() + 30
            while proc.num_fds() < fds0 + IDLE_CONNECTIONS and time.monotonic() < deadline:
                time.sleep(0.05)
            accepted = proc.num_fds() - fds0
            opened_in = time.perf_counter() - t0
            time.sleep(1.0)
            rss1 = proc.memory_info().rss
            per = (rss1 - rss0) / max(accepted, 1)
            results[who] = {"before": rss0, "after": rss1, "accepted": accepted, "per_conn": per, "seconds": opened_in}
            log(f"  {who}: {accepted} idle connections held, RSS {rss0 / 2**20:.1f} -> {rss1 / 2**20:.1f} MiB, "
                f"{per / 1024:.1f} KiB each")
            holder.stdin.write("close\n")
            holder.stdin.flush()
            holder.stdout.readline()
            deadline = time.monotonic() + 30
            while proc.num_fds() > fds0 + 10 and time.monotonic() < deadline:
                time.sleep(0.05)
        holder.stdin.close()
        self.procs.stop(holder)
        self.extra["idle"] = results

    # ---- commit to serving
    def commit_latency(self) -> None:
        new_port = self.ap["new"]
        times = []
        for i in range(COMMIT_ROUNDS):
            ip = f"{ADC_NEW_NET}.{i + 1}"
            self.adc.send("\n".join([
                "config load-balance virtual-server", f'edit "new-{i}"', "set type l7-load-balance", f"set ip {ip}",
                f"set port {new_port}", "set load-balance-profile LB_PROF_HTTP",
                "set load-balance-method LB_METHOD_ROUND_ROBIN", 'set load-balance-pool "p-http"']) + "\n")
            time.sleep(0.3)  # the lines above run in well under a millisecond each; `end` commits
            t0 = time.perf_counter()
            self.adc.send("end\n")
            times.append(poll_connect(ip, new_port, t0))
            self.adc.send(f"config load-balance virtual-server\ndelete \"new-{i}\"\nend\n")
            self.adc.sync()
            wait_closed(ip, new_port)
        self.extra["commit_adc"] = times
        log(f"  adc: `end` -> serving, median {statistics.median(times) * 1000:.1f} ms "
            f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})")

        # HAProxy's equivalent: a reload (-sf) with one more frontend, timed from the new process's start
        times = []
        cfg = self.tmp / "haproxy-new.cfg"
        for i in range(COMMIT_ROUNDS):
            ip = f"{HAPROXY_NEW_NET}.{i + 1}"
            cfg.write_text(haproxy_config(self.hp_tmpl, self._hp_vars(), [(ip, new_port)]))
            old = self.haproxy
            t0 = time.perf_counter()
            self.haproxy = self.procs.start(["haproxy", "-db", "-f", str(cfg), "-sf", str(old.pid)], PROXY_CPUS,
                                            stderr=open(self.tmp / "haproxy-stderr.log", "ab"))
            times.append(poll_connect(ip, new_port, t0))
            old.wait(timeout=30)
        self.extra["commit_haproxy"] = times
        log(f"  HAProxy reload: median {statistics.median(times) * 1000:.1f} ms")

    # ---- content routing
    def routing_cost(self) -> None:
        """L7 keep-alive requests/s, the plain virtual server and the 20-rule one in turn, ROUNDS rounds."""
        urls = {"none": self.urls("/")["adc"], "rules": f"http://{ADC_IP}:{self.ap['rules']}/"}
        for url in urls.values():
            self._check_url(url)
        samples: dict[str, list[float]] = {"none": [], "rules": []}
        for r in range(ROUNDS):
            for key in (("none", "rules") if r % 2 == 0 else ("rules", "none")):
                rps, _, errors = wrk(urls[key], 50, SECONDS)
                if errors:
                    raise RuntimeError(f"content routing measure: {errors}")
                samples[key].append(rps)
            log(f"  round {r + 1}/{ROUNDS}: none {samples['none'][-1]:,.0f}, {ROUTING_RULES} rules "
                f"{samples['rules'][-1]:,.0f} requests/s")
        none, rules = statistics.median(samples["none"]), statistics.median(samples["rules"])
        self.extra["routing"] = {"rules": ROUTING_RULES, "none": none, "with_rules": rules}
        note = (f"Content routing: {rules:,.0f} requests/s through a virtual server with {ROUTING_RULES} content-routing "
                f"rules (the last one matching) against {none:,.0f} without ({rules / none:.2f}x; wrk, 50 keep-alive "
                f"connections, median of {ROUNDS} rounds of {SECONDS:.0f} s). The rules are compiled once per commit.")
        self.notes.append(note)
        log("  " + note)

    # ---- profiles
    def profile(self) -> None:
        if py_spy() is None:
            self.notes.append("py-spy is not installed: no profiles.")
            return
        secs = 5.0
        u, t, l4 = self.urls("/")["adc"], self.urls("/", tls=True)["adc"], self.l4_urls("/")["adc"]
        big = self.l4_urls("/big.bin")["adc"]
        loads = {
            "l7": lambda: wrk(u, 50, secs),
            "l4": lambda: wrk(l4, 50, secs),
            "bulk": lambda: wrk(big, 4, secs),
            "https": lambda: wrk(t, 50, secs),
            "tls": lambda: tls_load(ADC_IP, self.ap["https"], 50, 0, secs),
            "ws": lambda: ws_load(ADC_IP, self.ap["ws"], 50, 0, secs),
        }
        for key, load in loads.items():
            out = profile_run(self.adc.pid, secs, self.tmp / f"profile-{key}.txt", load)
            if out is not None:
                p = summarise_profile(out, secs)
                if p is not None:
                    self.profiles[key] = p
                    top = ", ".join(f"{k} {100 * v / p.samples:.0f}%" for k, v in p.categories[:5])
                    log(f"  {key}: {p.samples} samples: {top}")

    # ---- floors and what-ifs (not the appliance: what its design could reach on this machine)
    def ceilings(self) -> None:
        def floor(*args: str) -> dict:
            out = subprocess.run([PYTHON, "-m", "benchmarks.ceilings", *args], capture_output=True, text=True, cwd=ROOT,
                                 preexec_fn=pinned(PROXY_CPUS), timeout=120)
            if out.returncode != 0:
                raise RuntimeError(f"benchmarks.ceilings {args[0]} failed:\n{out.stderr[-2000:]}")
            return json.loads(out.stdout.strip().splitlines()[-1])

        self.extra.update(floor("h11", "2"))
        self.extra.update(floor("tls", str(self.cert), str(self.key), "2"))
        log(f"  h11 alone: {self.extra['h11_cycles_per_s']:,.0f} proxy cycles/s; server side of a full TLS handshake: "
            f"{self.extra['tls_server_handshake_us']:.0f} µs")

    def tunnel_whatif(self) -> None:
        results: dict[str, dict[str, float]] = {}
        for mode in ("stream", "raw", "splice"):
            port = free_port(PROTO_IP)
            p = self.procs.start([PYTHON, "-m", "benchmarks.tunnel_proto", mode, PROTO_IP, str(port), NGINX_IP,
                                  str(self.nginx_http)], PROXY_CPUS, cwd=ROOT)
            try:
                wait_port(PROTO_IP, port, proc=p)
                wrk(f"http://{PROTO_IP}:{port}/", 50, 1)
                r = {"l4": wrk(f"http://{PROTO_IP}:{port}/", 50, SECONDS)[0],
                     "bulk": wrk(f"http://{PROTO_IP}:{port}/big.bin", 4, SECONDS)[1] / 1e6}
            finally:
                self.procs.stop(p)
            # the same pumps carry the WebSocket after its Upgrade: through an L4 tunnel to the echo backend
            port = free_port(PROTO_IP)
            p = self.procs.start([PYTHON, "-m", "benchmarks.tunnel_proto", mode, PROTO_IP, str(port), WS_IP,
                                  str(self.ws_port)], PROXY_CPUS, cwd=ROOT)
            try:
                wait_port(PROTO_IP, port, proc=p)
                r["ws"] = ws_load(PROTO_IP, port, 50, 0.5, SECONDS)
            finally:
                self.procs.stop(p)
            results[mode] = r
            log(f"  {mode}: L4 {r['l4']:,.0f} requests/s, bulk {r['bulk']:,.0f} MB/s, WebSocket {r['ws']:,.0f} messages/s")
        self.extra["tunnel_whatif"] = results

    def run(self) -> None:
        t0 = time.perf_counter()
        try:
            self.setup()
            self.define()
            log(f"warm-up of the L7 path, then {IDLE_CONNECTIONS:,} idle connections (memory) ...")
            wrk(self.urls("/")["adc"], 50, 1)
            if not ONLY or "idle" in ONLY:
                self.idle_memory()
            if ONLY:
                self.measures = [m for m in self.measures if m.key in ONLY]
            self.measure_all()
            if not ONLY or "rules" in ONLY:
                log(f"content routing: L7 requests/s with {ROUTING_RULES} rules against none ...")
                self.routing_cost()
            if not ONLY or "commit" in ONLY:
                log("time from `end` to the new virtual server accepting (100 virtual servers) ...")
                self.commit_latency()
            if PROFILE:
                log("profiling the appliance with py-spy (not counted) ...")
                self.profile()
            if not ONLY or "whatif" in ONLY:
                log("floors on the proxy's CPU, and prototype tunnels (what the design could reach) ...")
                self.ceilings()
                self.tunnel_whatif()
            problems = self.adc.errors().strip()
            if problems:
                self.notes.append("adc wrote on stderr during the run:\n\n    " + problems.replace("\n", "\n    "))
            self.extra["wall"] = time.perf_counter() - t0
            others = [x.other for m in self.measures for ss in m.samples.values() for x in ss]
            if others:
                self.machine["other_load"] = (
                    f"processes outside the benchmark used {statistics.median(others):.2f} of a CPU in the median "
                    f"measurement (at most {max(others):.2f}): from /proc/stat, less the CPU time of the benchmark's "
                    "own processes")
            self.report()
        finally:
            self.procs.stop_all()
            if os.environ.get("BENCH_KEEP"):
                log(f"kept {self.tmp} (logs, configurations, raw py-spy profiles)")
                (self.tmp / "www" / "big.bin").unlink(missing_ok=True)
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- results
    def report(self) -> None:
        from benchmarks.perf_report import write_chart, write_doc, summary_lines

        for line in summary_lines(self):
            log(line)
        if WRITE_DOC:
            write_chart(self, CHART)
            write_doc(self, DOC, CHART)
            log(f"wrote {DOC.relative_to(ROOT)} and {CHART.relative_to(ROOT)} ({self.extra['wall']:.0f} s)")


def poll_connect(ip: str, port: int, t0: float, timeout: float = 10.0) -> float:
    """Seconds from ``t0`` until ``ip:port`` accepts a connection."""
    while True:
        s = socket.socket()
        try:
            s.connect((ip, port))
            return time.perf_counter() - t0
        except OSError as exc:
            if exc.errno not in (errno.ECONNREFUSED, errno.ECONNRESET):
                raise
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"{ip}:{port} did not start serving within {timeout:.0f} s")
            time.sleep(0.0002)
        finally:
            s.close()


def wait_closed(ip: str, port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((ip, port), timeout=1).close()
        except OSError:
            return
        time.sleep(0.01)
    raise RuntimeError(f"{ip}:{port} still accepts after its virtual server was deleted")


def main() -> None:
    for extra in ("/usr/sbin", "/sbin"):  # haproxy and nginx live there; a user's PATH may lack them
        if extra not in os.environ.get("PATH", "").split(":"):
            os.environ["PATH"] = os.environ.get("PATH", "") + ":" + extra
    missing = [t for t in ("wrk", "haproxy", "nginx") if shutil.which(t) is None]
    if missing:
        raise SystemExit(f"missing: {' '.join(missing)} (`make bench-tools` installs them from Debian)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by the proxies
    Bench().run()


if __name__ == "__main__":
    main()
