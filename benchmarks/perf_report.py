"""Results of ``benchmarks.dataplane_bench``: the console summary, ``docs/performance.md`` and the chart.

Everything in the document comes from one run (the figures, the machine, the profiles); the only
hand-written parts are the method notes and, for a measure that misses its target, the explanation of
what its profile shows and what would close the gap (``ADVICE``).
"""
from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from benchmarks.dataplane_bench import Bench, Measure, Profile

IDLE_TARGET_KIB = 32.0
COMMIT_TARGET_MS = 50.0
WHO = (("direct", "nginx direct"), ("haproxy", "HAProxy, 1 thread"), ("adc", "adc, 1 worker"))


def _nan(x: float) -> bool:
    return x != x


def _fmt(m: "Measure", x: float) -> str:
    return "–" if _nan(x) else m.fmt.format(x)


def _ratio(x: float) -> str:
    return "–" if _nan(x) or math.isinf(x) else f"{x:.3f}×"


def _passed(m: "Measure") -> bool | None:
    if m.target is None:
        return None
    r = m.ratio()
    return None if _nan(r) else r >= m.target


def _verdict(m: "Measure") -> str:
    ok = _passed(m)
    if ok is None:
        return "no target" if m.target is None else "not measured"
    if ok:
        return "**met**"
    short = 1 - m.ratio() / m.target
    return f"**missed** by {100 * short:.0f} % (needs {m.target / m.ratio():.1f}× its speed)"


def _idle(bench: "Bench") -> dict | None:
    return bench.extra.get("idle")  # type: ignore[return-value]


def _commit(bench: "Bench", who: str) -> list[float] | None:
    return bench.extra.get(f"commit_{who}")  # type: ignore[return-value]


def summary_lines(bench: "Bench") -> list[str]:
    out = ["", f"{'measure':34} {'direct':>10} {'HAProxy':>10} {'naive':>10} {'adc':>10} {'adc/HAProxy':>12} "
           f"{'adc/direct':>11} {'adc/naive':>10}  target"]
    for m in bench.measures:
        t = f">= {m.target}x" if m.target else "-"
        ok = _passed(m)
        mark = "" if ok is None else ("  met" if ok else "  MISSED")
        naive = f"{m.ratio('naive'):>9.3f}x" if m.naive else f"{'-':>10}"
        out.append(f"{m.title + ' (' + m.unit + ')':34} {_fmt(m, m.median('direct')):>10} {_fmt(m, m.median('haproxy')):>10} "
                   f"{_fmt(m, m.median('naive')):>10} {_fmt(m, m.median('adc')):>10} {m.ratio():>11.3f}x "
                   f"{m.ratio('direct'):>10.3f}x {naive}  {t}{mark}")
    idle = _idle(bench)
    if idle:
        a, h = idle["adc"]["per_conn"] / 1024, idle["haproxy"]["per_conn"] / 1024
        out.append(f"{'memory per idle connection (KiB)':34} {'':>10} {h:>10.1f} {a:>10.1f} {a / h:>11.2f}x {'':>11}  "
                   f"<= {IDLE_TARGET_KIB:.0f} KiB{'  met' if a <= IDLE_TARGET_KIB else '  MISSED'}")
    ca, ch = _commit(bench, "adc"), _commit(bench, "haproxy")
    if ca:
        a = statistics.median(ca) * 1000
        h = statistics.median(ch) * 1000 if ch else float("nan")
        out.append(f"{'`end` -> serving, 100 VS (ms)':34} {'':>10} {h:>10.1f} {a:>10.1f} {a / h:>11.2f}x {'':>11}  "
                   f"<= {COMMIT_TARGET_MS:.0f} ms{'  met' if a <= COMMIT_TARGET_MS else '  MISSED'}")
    return out


# ------------------------------------------------------------------------------------------ chart

def write_chart(bench: "Bench", path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ms = [m for m in bench.measures if not _nan(m.ratio())]
    idle, ca = _idle(bench), _commit(bench, "adc")
    budgets = []
    if idle:
        budgets.append(("memory per idle\nconnection", idle["adc"]["per_conn"] / 1024 / IDLE_TARGET_KIB,
                        f"{idle['adc']['per_conn'] / 1024:.1f} KiB of {IDLE_TARGET_KIB:.0f}"))
    if ca:
        med = statistics.median(ca) * 1000
        budgets.append(("`end` → serving\n(100 VS)", med / COMMIT_TARGET_MS, f"{med:.1f} ms of {COMMIT_TARGET_MS:.0f}"))

    fig, axes = plt.subplots(1, 2, figsize=(12, 0.9 + 0.62 * max(len(ms), 3)),
                             gridspec_kw={"width_ratios": [2.3, 1]})
    ax = axes[0]
    labels = [m.title.replace(" (100 MB objects)", "\n(100 MB objects)") for m in ms]
    y = list(range(len(ms)))[::-1]
    r_hp = [m.ratio() for m in ms]
    r_direct = [m.ratio("direct") for m in ms]
    colors = ["#888888" if m.target is None else ("#2e7d32" if m.ratio() >= m.target else "#c62828") for m in ms]
    ax.barh([v + 0.18 for v in y], r_hp, height=0.36, color=colors, label="adc ÷ HAProxy (1 thread)")
    ax.barh([v - 0.18 for v in y], r_direct, height=0.36, color="#90a4ae", label="adc ÷ nginx direct")
    for v, m, r in zip(y, ms, r_hp):
        ax.text(r + 0.01, v + 0.18, f"{r:.3f}×" if r < 0.1 else f"{r:.2f}×", va="center", fontsize=8)
        if m.target is not None:
            ax.plot([m.target, m.target], [v - 0.05, v + 0.41], color="black", linewidth=2)
            ax.text(m.target + 0.01, v + 0.43, f"target {m.target:g}×", fontsize=7, va="bottom")
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=9)
    ax.set_xlim(0, max(1.1, max(r_hp + r_direct) * 1.15))
    ax.set_xlabel("ratio (higher is better); black bar = target")
    ax.set_title("adc data plane, one worker: throughput ratios (medians)", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)

    ax = axes[1]
    if budgets:
        yb = list(range(len(budgets)))[::-1]
        vals = [b[1] for b in budgets]
        ax.barh(yb, vals, height=0.35, color=["#2e7d32" if v <= 1 else "#c62828" for v in vals])
        for v, b in zip(yb, budgets):
            ax.text(b[1] + 0.02, v, b[2], va="center", fontsize=8)
        ax.axvline(1.0, color="black", linewidth=2)
        ax.set_yticks(yb)
        ax.set_yticklabels([b[0] for b in budgets], fontsize=9)
        ax.set_xlim(0, max(1.5, max(vals) * 1.4))
    ax.set_xlabel("share of the budget used (lower is better)")
    ax.set_title("budgets", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------------------------------ document

def _profile_tables(bench: "Bench", key: str, top: int = 8) -> list[str]:
    from benchmarks.dataplane_bench import CATEGORIES

    p = bench.profiles.get(key)
    if p is None:
        return ["(no profile: py-spy was not available or found no samples)", ""]
    out = [f"py-spy, {p.samples:,} samples of the data-plane thread over {p.seconds:g} s of the same load "
           "(CPU time only; shares of the samples):", "",
           "| where | share |", "|---|---|"]
    out += [f"| {CATEGORIES[c]} | {100 * n / p.samples:.0f} % |" for c, n in p.categories if n / p.samples >= 0.01]
    out += ["", "| top frames (own time) | share |", "|---|---|"]
    out += [f"| `{f}` | {100 * n / p.samples:.1f} % |" for f, n in p.self_time[:top]]
    incl = [(f, n) for f, n in p.inclusive if n / p.samples >= 0.02][:6]
    if incl:
        out += ["", "| adc functions on the stack (inclusive) | share |", "|---|---|"]
        out += [f"| `{f}` | {100 * n / p.samples:.0f} % |" for f, n in incl]
    return out + [""]


def _share(bench: "Bench", key: str, *cats: str) -> float:
    p = bench.profiles.get(key)
    if p is None:
        return float("nan")
    d = dict(p.categories)
    return 100 * sum(d.get(c, 0) for c in cats) / p.samples


def _cost_line(m: "Measure", unit_one: str) -> str:
    """CPU time per request/handshake/message/MB, appliance vs HAProxy, from the CPU use recorded."""
    a_c, h_c = m.cpu("adc"), m.cpu("haproxy")
    a, h = m.median("adc"), m.median("haproxy")
    if any(_nan(x) or x <= 0 for x in (a_c, h_c, a, h)):
        return ""
    scale = 1e6
    return (f"Per {unit_one}, the appliance used {a_c / a * scale:,.0f} µs of CPU (at {a_c:.2f} of a core) and "
            f"HAProxy {h_c / h * scale:,.0f} µs (at {h_c:.2f} of a core).")


def _ctx(bench: "Bench", m: "Measure") -> dict[str, float]:
    """Numbers the explanations quote: shares of the profile, floors, prototype results."""
    hp = m.median("haproxy")
    target_abs = (m.target or 0) * hp
    a_cpu = m.cpu("adc")
    cpu = a_cpu if a_cpu == a_cpu and a_cpu > 0 else 1.0
    per_adc = cpu / m.median("adc") * 1e6 if m.median("adc") else float("nan")
    h_cpu = m.cpu("haproxy")
    per_hp = (h_cpu if h_cpu == h_cpu and h_cpu > 0 else 1.0) / hp * 1e6 if hp else float("nan")
    removable = _share(bench, m.key, "adc", "trio_scope", "other")
    c = {
        "ratio": m.ratio(), "target": m.target or float("nan"), "need": target_abs,
        "budget": cpu / target_abs * 1e6 if target_abs else float("nan"),
        "per_adc": per_adc, "per_hp": per_hp,
        "hs": _share(bench, m.key, "tls_hs"), "h11": _share(bench, m.key, "h11"),
        "sched": _share(bench, m.key, "trio_sched", "trio_scope", "trio_epoll"),
        "sys": _share(bench, m.key, "syscalls"), "adc": _share(bench, m.key, "adc"),
        "removable": removable, "best": m.ratio() / (1 - removable / 100) if removable == removable else float("nan"),
    }
    h11 = bench.extra.get("h11_cycles_per_s")
    if isinstance(h11, float):
        c["h11_cycles"] = h11
        c["h11_ratio"] = h11 / hp if hp else float("nan")
    floor = bench.extra.get("tls_server_handshake_us")
    if isinstance(floor, float):
        c["floor"] = floor
        c["py_now"] = per_adc - floor
        c["py_need"] = per_hp / (m.target or 1) - floor
    whatif = bench.extra.get("tunnel_whatif")
    if isinstance(whatif, dict):
        key = {"l4": "l4", "bulk": "bulk", "ws": "ws"}.get(m.key)
        if key:
            for mode in ("stream", "raw", "splice"):
                if mode in whatif:
                    c[mode] = whatif[mode][key]
                    c[mode + "_ratio"] = whatif[mode][key] / hp if hp else float("nan")
    return c


def _advice_l7(c: dict[str, float]) -> str:
    text = ("**Why.** Every request pays for h11 (parse the request, write it to the member, parse the "
            "answer; the answer is written to the client by the proxy itself on the direct lane, see "
            "`adc/dataplane/http_proxy.py`), trio's scheduling around its reads (writes the socket takes at "
            "once skip trio, `adc/dataplane/fastio.py`), and the proxy's own work per request: the raw-head "
            "checks (`request_head_end`: smuggling, versions, limits), picking (`PickContext`, `candidates`, "
            "persistence, content routing), the idle pool, two cancel scopes (the keep-alive wait and "
            "server-timeout), and the `ExchangeRecord` the statistics and the traffic log get. ")
    if "h11_cycles" in c:
        text += (f"On this CPU h11 alone, with no I/O and nothing else, does {c['h11_cycles']:,.0f} such proxy "
                 f"cycles per second (`benchmarks/ceilings.py`, measured in this run): {c['h11_ratio']:.2f}× "
                 f"HAProxy. ")
        if c["h11_ratio"] < c["target"]:
            text += (f"The target ({c['target']:g}×, {c['need']:,.0f} requests/s, {c['budget']:.0f} µs of CPU per "
                     "request) is therefore out of reach for any design that keeps h11 on the hot path, "
                     "whatever else is trimmed. ")
        else:
            text += (f"The target ({c['target']:g}×, {c['need']:,.0f} requests/s) leaves {c['budget']:.0f} µs of "
                     f"CPU per request, of which h11 needs {1e6 / c['h11_cycles']:.0f} µs. ")
    text += (f"Even with all of adc's own code, the cancel scopes and the other Python helpers gone "
             f"({c['removable']:.0f} % of the samples), the same load would reach about {c['best']:.3f}×.\n\n"
             "**Done so far** (issue 14): heads h11 parsed are not validated again when relayed unchanged; "
             "the direct lane writes a Content-Length answer to a bodiless keep-alive request without the "
             "client-side h11 (three state-machine steps and a serialisation less); writes go to the socket "
             "directly when it takes them (no checkpoint, no cancel scope); the idle pool polls a connection "
             "for a close only when it was idle 1 s or more; one pass over the request's fields instead of "
             "six; the member connection's local address is read once per connection.\n\n"
             "**What would close it**, in order of gain: (1) a compiled parser for request and response heads "
             "(httptools/llhttp, h11's rules kept as checks), since h11 remains the largest share; (2) the rest "
             "of a sans-IO exchange core: the member-side request written from the parsed head as bytes (one "
             "more h11 state machine off the path) and the response body relayed by its Content-Length "
             "without h11 events; (3) timeouts as deadlines one watchdog per connection checks, instead of a "
             "cancel scope per wait; (4) the per-request record built only when statistics or the traffic "
             "log need it. Past that, the only lever is more processes (SO_REUSEPORT workers), which a "
             "per-worker ratio does not count.")
    return text


def _advice_https(c: dict[str, float]) -> str:
    text = ("**Why.** The plain-L7 costs (h11, trio, adc) plus the TLS record layer: trio's `SSLStream` "
            "runs `ssl.SSLObject` over memory BIOs, so every record is copied between OpenSSL and Python "
            "buffers, and each read or write goes through the stream's conflict detector and lock. ")
    if "h11_cycles" in c:
        text += (f"h11 alone ({c['h11_cycles']:,.0f} cycles/s on this CPU) would cap this measure at "
                 f"{c['h11_ratio']:.2f}× HAProxy's HTTPS figure")
        text += (f", so the {c['target']:g}× target ({c['need']:,.0f} requests/s) is out of reach while h11 stays "
                 "on the hot path." if c["h11_ratio"] < c["target"] else ", above the target: the gap is the rest.")
    text += (" The direct write does not apply through TLS: each answer goes through `SSLStream.send_all` under "
             "a cancel scope, and the observer's `CountingStream` sits under the TLS layer (one more `await` "
             "level per record read or written).")
    text += ("\n\n**What would close it**: everything listed for L7 HTTP, and for TLS, reading and writing with "
             "a non-blocking `ssl.SSLSocket` driven by `wait_readable`/`wait_writable` instead of `SSLStream` "
             "over memory BIOs (one copy and one layer of Python less per record).")
    return text


def _advice_tls(c: dict[str, float]) -> str:
    text = ("**Why.** OpenSSL's part of the handshake (`SSLObject.do_handshake`: the RSA-2048 signature, "
            "X25519, the session tickets) is the largest single cost. ")
    if "floor" in c:
        in_profile = c["per_adc"] * c["hs"] / 100
        text += (f"Measured alone on this CPU it costs {c['floor']:.0f} µs per handshake "
                 f"(`benchmarks/ceilings.py`; the appliance's own server context, checked separately, costs the "
                 f"same), against "
                 f"{c['per_hp']:.0f} µs of CPU per connection for HAProxy in total; under load the profile "
                 f"puts it at about {in_profile:.0f} µs ({c['hs']:.0f} % of the appliance's {c['per_adc']:,.0f} µs "
                 "per connection); the difference is presumably cache pressure from the work around it. "
                 f"Everything else takes {c['per_adc'] - in_profile:,.0f}–{max(c['py_now'], 0):,.0f} µs per "
                 f"connection. For {c['target']:g}× a connection may cost {c['per_hp'] / c['target']:.0f} µs in all, "
                 f"so even at the isolated handshake cost the rest would have to fit in about "
                 f"{max(c['py_need'], 0):,.0f} µs, {max(c['py_need'], 0) / c['py_now']:.0%} of today's. ")
    text += ("That part is trio's `SSLStream` handshake loop over memory BIOs, accepting, the "
             "observer (`SessionInfo`, `CountingStream`), the h11 request and the upstream exchange, the "
             "cancel scopes, and closing both streams.\n\n"
             "**What would close it**: handshaking on the socket (a non-blocking `ssl.SSLSocket` whose "
             "`do_handshake` is driven by `wait_readable`/`wait_writable`) instead of `SSLStream` over memory "
             "BIOs; one cancel scope per connection for the handshake timeout; no address lookups beyond one "
             "per connection; and skipping the idle-pool round trip when the client asked for "
             "`Connection: close`. An ECDSA P-256 `Factory` certificate would raise both rates but lower the "
             "ratio (HAProxy gains more from a cheaper signature).")
    return text


def _whatif(c: dict[str, float], unit: str) -> str:
    if "stream" not in c:
        return ""
    return ("Prototype tunnels on the same CPU, measured in this run (`benchmarks/tunnel_proto.py`, "
            "not the appliance): the appliance's pump shape without its observer ({stream:,.0f} {u}, "
            "{stream_ratio:.2f}× HAProxy), a raw-socket pump ({raw:,.0f}, {raw_ratio:.2f}×) and a splice pump "
            "({splice:,.0f}, {splice_ratio:.2f}×). ").format(u=unit, **c)


def _advice_l4(c: dict[str, float]) -> str:
    text = ("**Why.** Small messages through the tunnel: per request a `receive_some` and a `send_all` in each "
            f"direction. {c['sched']:.0f} % of the samples are trio around those calls (a checkpoint and a "
            "task switch per socket operation, `_try_sync`, `wait_task_rescheduled`, epoll re-arming, cancel "
            f"scopes), {c['sys']:.0f} % the syscalls and {c['adc']:.0f} % adc's pump. The pump now notes the time "
            "of the traffic per chunk and leaves the idle timeout to one watchdog task (no deadline writes), "
            "and writes straight to the socket when it takes the bytes at once (`fastio.send_nowait`); what it "
            "still adds over the naive proxy's pump is the observer's `CountingStream` layer on the client "
            "side (an `await` level and a clock per read).\n\n"
            "**What would close it.** " + _whatif(c, "requests/s") +
            "The raw pump calls `recv_into`/`send` on the socket and awaits `wait_readable`/`wait_writable` "
            "only when a call would block, checkpoints every 16 chunks, counts bytes itself and keeps the "
            "idle timer as a last-activity time watched by one sleeping task")
    if "raw" in c and c.get("stream"):
        text += f": {c['raw'] / c['stream']:.1f}× the current shape"
        if c["raw_ratio"] >= c["target"]:
            return text + ", which meets the target."
        text += f", still short of {c['target']:g}×"
    return text + (". What remains is trio's per-wait cost (an `epoll_ctl` and a task switch per message and "
                   "direction). Waiting at once after a short read (skipping the `recv` that would fail with "
                   "EAGAIN) and serving both directions from one task are the next steps (not measured here).")


def _advice_bulk(c: dict[str, float]) -> str:
    return (f"**Why.** {c['sys']:.0f} % of the samples are the `recv`/`send` syscalls copying the bytes and "
            f"{c['sched']:.0f} % trio's per-operation overhead: the tunnel reads 64 KiB at a time (`CHUNK` in "
            "`adc/dataplane/tunnel.py`, growing to 4 MiB when reads fill up), each read a checkpoint and a new "
            "`bytes` object.\n\n"
            "**What would close it.** " + _whatif(c, "MB/s") +
            "Reading up to 1 MiB per call into one reused buffer (`recv_into`, `send` of a `memoryview`; bytes "
            "a blocked send leaves are copied out, so idle connections hold no buffer) "
            + ("meets the target" if c.get("raw_ratio", 0) >= c["target"] else "helps") +
            "; `os.splice()` through a pipe (Linux) keeps the bytes out of user space"
            + (" and meets it too." if c.get("splice_ratio", 0) >= c["target"] else "."))


def _advice_ws(c: dict[str, float]) -> str:
    return ("After the `101` the WebSocket is the L4 tunnel: per message a `receive_some` and a `send_all` each "
            "way (the write skips trio when the socket takes it at once), plus the `CountingStream` layer, "
            "so the L4 remarks apply. " + _whatif(c, "messages/s"))


ADVICE = {"l7": _advice_l7, "https": _advice_https, "tls": _advice_tls, "l4": _advice_l4, "bulk": _advice_bulk,
          "ws": _advice_ws}


def write_doc(bench: "Bench", path: Path, chart: Path) -> None:
    from benchmarks.dataplane_bench import COMMIT_ROUNDS, FILLERS, IDLE_CONNECTIONS, ROUNDS, SECONDS

    mc = bench.machine
    L: list[str] = []
    add = L.append
    add("# Data-plane performance")
    add("")
    add("`make bench` measures the appliance's data plane against HAProxy with one thread (`nbthread 1`) and "
        "against a direct connection to the nginx backend, on one machine, in one run "
        "(`benchmarks/dataplane_bench.py`; it also runs the console benchmark, `benchmarks/cli_bench.py`). "
        f"This page is written by that run: the last one was on {mc['date']} and took {bench.extra['wall'] / 60:.1f} "
        "minutes. Ratios, not absolute figures, are the criteria: they compare one appliance worker (the "
        "appliance is one process whose data plane is one trio thread) with one HAProxy thread on the same CPU.")
    add("")
    add("## Machine")
    add("")
    add("| | |")
    add("|---|---|")
    add(f"| CPU | {mc['cpu']}, {mc['cores']} cores ({mc['pinning']}) |")
    add(f"| Memory | {mc['memory']} |")
    add(f"| System | {mc['os']}, kernel {mc['kernel']} |")
    add(f"| Python | {mc['python']} |")
    add(f"| Appliance | adc {mc['adc']} ({mc['git']}); {mc['packages']}; {mc['openssl']} |")
    add(f"| Tools | {mc['tools']} |")
    add(f"| Run | {ROUNDS} rounds × {SECONDS:g} s per target and measure, targets alternating in rotating order, "
        f"medians; {FILLERS + 4} virtual servers on the appliance and as many frontends on HAProxy |")
    add(f"| Other load | {mc['other_load']} |")
    add("")
    add("## Results")
    add("")
    add("| measure | nginx direct | HAProxy, 1 thread | naive trio + h11 | adc, 1 worker | adc ÷ HAProxy | adc ÷ direct | "
        "adc ÷ naive (≥ 1×) | target (÷ HAProxy) | verdict |")
    add("|---|---|---|---|---|---|---|---|---|---|")
    for m in bench.measures:
        t = f"≥ {m.target:g}×" if m.target is not None else "–"
        naive = (_ratio(m.ratio("naive")) + ("" if m.ratio("naive") >= 1 else " **behind**")) if m.naive else "–"
        add(f"| {m.title} ({m.unit}) | {_fmt(m, m.median('direct'))} | {_fmt(m, m.median('haproxy'))} | "
            f"{_fmt(m, m.median('naive'))} | {_fmt(m, m.median('adc'))} | {_ratio(m.ratio())} | {_ratio(m.ratio('direct'))} | "
            f"{naive} | {t} | {_verdict(m)} |")
    idle = _idle(bench)
    if idle:
        a, h = idle["adc"]["per_conn"] / 1024, idle["haproxy"]["per_conn"] / 1024
        verdict = "**met**" if a <= IDLE_TARGET_KIB else f"**missed** by {a - IDLE_TARGET_KIB:.1f} KiB"
        add(f"| memory per idle connection, {IDLE_CONNECTIONS:,} held (KiB RSS) | – | {h:.1f} | – | {a:.1f} | {a / h:.1f}× | – | – | "
            f"≤ {IDLE_TARGET_KIB:.0f} KiB | {verdict} |")
    ca, ch = _commit(bench, "adc"), _commit(bench, "haproxy")
    if ca:
        a = statistics.median(ca) * 1000
        h = statistics.median(ch) * 1000 if ch else float("nan")
        verdict = "**met**" if a <= COMMIT_TARGET_MS else f"**missed** by {a - COMMIT_TARGET_MS:.0f} ms"
        add(f"| `end` → new virtual server serving, {FILLERS + 4} configured (ms) | – | {h:.1f} (reload) | – | {a:.1f} | "
            f"{a / h:.2f}× | – | – | ≤ {COMMIT_TARGET_MS:.0f} ms | {verdict} |")
    add("")
    add(f"![adc ÷ HAProxy and adc ÷ direct per measure, and the two budgets]({chart.name})")
    add("")
    add("Spread and CPU use of the process under test (medians over the rounds; one core = 1.00). "
        "\"Per core\" divides each figure by the CPU it used: where HAProxy did not fill its core "
        "(the load generator shares a core with nginx), its raw figure understates what one HAProxy "
        "thread can do, and the per-core ratio is the fairer comparison.")
    add("")
    add("| measure | adc min–max | adc CPU | HAProxy min–max | HAProxy CPU | direct min–max | naive min–max | naive CPU "
        "| adc ÷ HAProxy per core | adc ÷ naive per core |")
    add("|---|---|---|---|---|---|---|---|---|---|")
    for m in bench.measures:
        (a0, a1), (h0, h1), (d0, d1) = m.spread("adc"), m.spread("haproxy"), m.spread("direct")
        (n0, n1) = m.spread("naive")
        naive = (f"{_fmt(m, n0)}–{_fmt(m, n1)} | {m.cpu('naive'):.2f}" if m.naive else "– | –")
        add(f"| {m.title} | {_fmt(m, a0)}–{_fmt(m, a1)} | {m.cpu('adc'):.2f} | {_fmt(m, h0)}–{_fmt(m, h1)} | "
            f"{m.cpu('haproxy'):.2f} | {_fmt(m, d0)}–{_fmt(m, d1)} | {naive} | {_ratio(m.per_core_ratio())} | "
            f"{_ratio(m.per_core_ratio('naive')) if m.naive else '–'} |")
    add("")
    naive = [m for m in bench.measures if m.naive]
    if naive:
        add("## Against the naive trio + h11 proxy")
        add("")
        add("Issue 14 asks that the appliance, with all its features on the path, never be slower than the "
            "simplest proxy built from the same two libraries (`benchmarks/naive_proxy.py`), measured in the "
            "same run. Ratios of the medians, and per core (each figure divided by the CPU its process used):")
        add("")
        for m in naive:
            r, pc = m.ratio("naive"), m.per_core_ratio("naive")
            verdict = "not behind it" if r >= 1 else f"**behind** by {100 * (1 - r):.0f} %"
            add(f"- **{m.title}**: {_ratio(r)} the naive proxy's {m.unit} (per core {_ratio(pc)}): {verdict}.")
        add("")
        add("What the naive proxy leaves out and the appliance pays for on every request: the raw-head checks "
            "(smuggling material, versions, header count and size), timeouts (the naive proxy has none: no "
            "cancel scope at all), picking a member per request (method, persistence, content routing), the "
            "idle pool shared by all clients, header rules (hop-by-hop fields, X-Forwarded-For), the "
            "statistics and traffic-log record per request, and the observer's byte counting on every client "
            "connection. Where the appliance is behind, that work costs more than what it saves the naive "
            "design (the direct lane, the direct writes, reading the member before asking h11); see the "
            "profiles below.")
        add("")
    errs = [e for m in bench.measures for e in m.errors()]
    if errs:
        add("Errors reported by the load generators: " + "; ".join(errs) + ".")
        add("")

    add("## How each figure is taken")
    add("")
    add("All traffic stays on loopback, every component on its own 127.0.x.y address and a free port. "
        f"The appliance (`adc --data-dir DIR`, configuration piped on its standard input, which stays open) "
        f"and HAProxy each run alone on {mc['proxy_cpus']}; nginx (one process: `return 200` with a 14-byte "
        f"body, and a 100 MB file), the WebSocket echo backend and every load generator share {mc['load_cpus']}. "
        "Both proxies have the same four services: L7 HTTP (appliance `LB_PROF_HTTP`, HAProxy `mode http`), "
        "L4 (`LB_PROF_TCP`, `mode tcp`), HTTPS offload (`LB_PROF_HTTPS` + `LB_CLIENT_SSL_PROF_DEFAULT` with the "
        "RSA-2048 `Factory` certificate, which HAProxy and nginx load too), and WebSocket over the L7 path; one "
        "member each, round robin; the appliance's default profile timeouts on both. The naive reference "
        "proxy (`benchmarks/naive_proxy.py`, about a hundred lines of trio + h11: one h11 connection per side, "
        "the member connection kept per client connection, no pool, no checks, no timeouts, no statistics; "
        "trio's `SSLStream` for HTTPS, a `receive_some`/`send_all` pump each way for L4) runs on the proxies' "
        "CPU too and takes part in the L7, L4, bulk and HTTPS measures: the appliance, with all its features "
        "on the path, must never be behind it. Each measure runs a "
        f"1 s warm-up per target, then {ROUNDS} rounds of {SECONDS:g} s in which direct, HAProxy, adc (and the naive proxy) take turns "
        "(the order rotates each round); the median of the rounds is the figure.")
    add("")
    for m in bench.measures:
        add(f"- **{m.title}** ({m.unit}): {m.how}.")
    add(f"- **Memory per idle connection**: after a 1 s L7 warm-up, a separate process "
        f"(`benchmarks/idle_conns.py`) opens {IDLE_CONNECTIONS:,} TCP connections to the L7 virtual server and "
        "sends nothing; once the proxy holds them all (its descriptor count says so) and 1 s has passed, "
        "the growth of its RSS (psutil) divided by the connections is the figure. Then the same against "
        "HAProxy's HTTP frontend.")
    add(f"- **`end` → serving**: with {FILLERS + 4} virtual servers configured, the lines of a new L7 virtual "
        "server are piped to the running appliance up to its last `set`; the clock starts when `end` is "
        "written to the pipe and stops when a connect to the new address succeeds (polled every 0.2 ms; "
        f"the commit is journaled and fdatasynced in the data directory first). {COMMIT_ROUNDS} rounds, each "
        "followed by deleting that virtual server. HAProxy's equivalent is a reload: a new process with one "
        "more frontend started with `-sf`, timed from its start to the new address accepting.")
    add("- **Profiles**: after the measurements, py-spy samples the appliance (400 Hz, non-blocking) "
        "during one more run of each load; only the data-plane thread's samples are counted. Own-time "
        "samples are grouped: the `send`/`recv` lines of trio's `_nonblocking_helper` count as syscalls, "
        "the rest of trio as scheduling, cancel scopes or epoll.")
    add("")

    missed = [m for m in bench.measures if _passed(m) is False]
    add("## Missed targets: by how much, where the time goes, what would close it")
    add("")
    if not missed:
        add("Every throughput target was met in this run.")
        add("")
    for m in missed:
        target_abs = m.target * m.median("haproxy")
        add(f"### {m.title}: {m.ratio():.3f}× HAProxy against ≥ {m.target:g}×")
        add("")
        per = {"l7": "request", "https": "request", "l4": "request", "tls": "handshake", "ws": "message", "bulk": "MB"}[m.key]
        add(f"Short by {100 * (1 - m.ratio() / m.target):.0f} %: the appliance did {_fmt(m, m.median('adc'))} {m.unit} "
            f"where the target is {_fmt(m, target_abs)} ({m.target / m.ratio():.1f}× its speed). "
            + _cost_line(m, per)
            + (f" HAProxy did not fill its core here ({m.cpu('haproxy'):.2f}): per core the ratio is "
               f"{m.per_core_ratio():.3f}×." if m.cpu("haproxy") < 0.95 else ""))
        add("")
        L.extend(_profile_tables(bench, m.key))
        if m.key in ADVICE:
            add(ADVICE[m.key](_ctx(bench, m)))
            add("")
    others = [m for m in bench.measures if _passed(m) is not False and m.key in bench.profiles]
    if others:
        add("## Other profiles")
        add("")
        for m in others:
            add(f"### {m.title}")
            add("")
            L.extend(_profile_tables(bench, m.key))
            if m.key == "ws":
                add(ADVICE["ws"](_ctx(bench, m)))
                add("")
    if bench.notes:
        add("## Notes from the run")
        add("")
        for n in bench.notes:
            add(f"- {n}")
        add("")
    add("## Reproducing")
    add("")
    add("`make bench` (as root, or with haproxy, nginx and wrk installed: `make bench-tools` installs them from "
        "Debian; the target also puts matplotlib and py-spy in the virtualenv). `BENCH_ROUNDS`, `BENCH_SECONDS`, "
        "`BENCH_ONLY=l7,tls,...`, `BENCH_PROFILE=0` and `BENCH_DOC=0` (leave this page alone) shorten or "
        "narrow a run; `BENCH_KEEP=1` keeps the scratch directory with the configurations and raw profiles.")
    add("")
    path.write_text("\n".join(L))
