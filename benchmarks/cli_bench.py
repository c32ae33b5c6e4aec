"""Console speed (`make bench`): script application, `show` and Tab on large configurations.

Ratios are measured in the same run, so a slow or noisy machine does not change the verdict: a
10,000-line script against a 1,000-line one (target: at most 12x, and under 2 s), `show` of 1,000
virtual servers and Tab completion among 1,000 entries (targets: under 100 ms each).
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from adc.appliance import Appliance
from adc.engine.script import run_lines


def make_script(lines: int, vs_count: int | None = None) -> list[str]:
    """A realistic config script of about ``lines`` lines: real servers, pools, virtual servers.

    With ``vs_count``, exactly that many virtual servers (the script is as long as it takes).
    """
    out: list[str] = []
    n = max(1, lines // 30)
    out.append("config load-balance real-server")
    for i in range(n):
        out += [f'  edit "rs{i}"', f"    set ip 10.{i // 250 % 250}.{i % 250}.{1 + i // 62500}", "  next"]
    out.append("end")
    out.append("config load-balance pool")
    for i in range(n):
        out += [f'  edit "pool{i}"', "    config pool_member", "      edit 1", f"        set real-server rs{i}",
                "        set pool_member_service_port 8080", "      next", "    end", "  next"]
    out.append("end")
    out.append("config load-balance virtual-server")
    i = 0
    while (len(out) < lines - 12) if vs_count is None else (i < vs_count):
        out += [f'  edit "vs{i}"', "    set type l7-load-balance", f"    set ip 172.16.{i // 250 % 250}.{i % 250 + 1}",
                f"    set port {1000 + i // 62500}", "    set load-balance-profile LB_PROF_HTTP",
                "    set load-balance-method LB_METHOD_ROUND_ROBIN", f"    set load-balance-pool pool{i % n}",
                "    set comments \"bench vs\"", "  next"]
        i += 1
    out.append("end")
    return out


def apply(lines: list[str], data_dir: Path | None) -> float:
    app = Appliance(data_dir)
    try:
        session = app.session()
        t0 = time.perf_counter()
        bad = [r for r in run_lines(session, lines) if r.reply.failed]
        elapsed = time.perf_counter() - t0
        assert not bad, bad[:3]
        return elapsed
    finally:
        app.close()


def best_of(fn, rounds: int = 3) -> float:
    return min(fn() for _ in range(rounds))


def main() -> None:
    small, big = make_script(1000), make_script(10000)
    print(f"scripts: {len(small)} and {len(big)} lines")
    for label, persist in (("in memory", False), ("with data dir", True)):
        def run(lines: list[str]) -> float:
            if not persist:
                return apply(lines, None)
            with tempfile.TemporaryDirectory() as d:
                return apply(lines, Path(d) / "data")
        t_small = best_of(lambda: run(small))
        t_big = best_of(lambda: run(big))
        print(f"apply {label}: 1k lines {t_small * 1000:.0f} ms, 10k lines {t_big * 1000:.0f} ms, "
              f"ratio {t_big / t_small:.1f}x (target <= 12x, 10k < 2000 ms)")

    app = Appliance(None)
    session = app.session()
    lines = make_script(1000, vs_count=1000)
    list(run_lines(session, lines))
    vs = len(app.store.tree.table(("load-balance", "virtual-server")))
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        text = session.show_all()
        times.append(time.perf_counter() - t0)
    print(f"show of {vs} virtual servers ({len(text)} lines): median {statistics.median(times) * 1000:.1f} ms (target < 100 ms)")
    session.execute("config load-balance virtual-server")
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        cands = session.complete("edit vs99")
        times.append(time.perf_counter() - t0)
    print(f"Tab among {vs} entries ({len(cands)} candidates for 'vs99'): median {statistics.median(times) * 1000:.2f} ms (target < 100 ms)")
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        session.help("edit ")
        times.append(time.perf_counter() - t0)
    print(f"'edit ?' listing {vs} entries: median {statistics.median(times) * 1000:.2f} ms (target < 100 ms)")


def start_time(data_dir: Path) -> float:
    """Wall time of a new process that imports adc and starts an appliance on ``data_dir`` (the full
    factory configuration, every table and predefined object), best of 3."""
    code = ("import time; t = time.perf_counter(); from adc.appliance import Appliance; "
            "a = Appliance(__import__('pathlib').Path(%r), sync=False); a.session().show_all(); a.close(); "
            "print(time.perf_counter() - t)") % str(data_dir)
    return min(float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
               for _ in range(3))


def backup_bench() -> None:
    """Issue 9's targets: start < 1 s, a 6,000-line backup restores < 2 s, ``show full-configuration``
    of it < 300 ms, ``?`` and Tab in it < 100 ms."""
    from tests import backup_gen
    from adc.schema import SCHEMA

    with tempfile.TemporaryDirectory() as d:
        print(f"start with the full factory configuration: {start_time(Path(d) / 'data') * 1000:.0f} ms (target < 1000 ms)")
    s = backup_gen.everything()
    lines = backup_gen.grow(backup_gen.write(SCHEMA, s.store.tree, s.view), 6000)
    with tempfile.TemporaryDirectory() as d:
        app = Appliance(Path(d) / "data")
        try:
            app.files_dir.mkdir(parents=True, exist_ok=True)
            (app.files_dir / "backup.conf").write_text("\n".join(lines) + "\n")
            session = app.session()
            times = []
            for _ in range(3):
                session.execute("execute restore config backup.conf")
                t0 = time.perf_counter()
                r = session.execute("y")
                times.append(time.perf_counter() - t0)
                assert r.output == "Configuration restored.\n", r.error
            print(f"restore of a {len(lines)}-line backup (every table): best {min(times) * 1000:.0f} ms (target < 2000 ms)")
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                text = session.show_all(full=True)
                times.append(time.perf_counter() - t0)
            print(f"show full-configuration of it ({len(text)} lines): median {statistics.median(times) * 1000:.0f} ms "
                  "(target < 300 ms)")
            session.execute("config load-balance virtual-server")
            session.execute("edit grow-vs1")
            for what, fn in (("'set ?'", lambda: session.help("set ")), ("Tab after 'set '", lambda: session.complete("set ")),
                             ("'set load-balance-pool ?'", lambda: session.help("set load-balance-pool ")),
                             ("Tab after 'set load-balance-pool '", lambda: session.complete("set load-balance-pool "))):
                times = []
                for _ in range(5):
                    t0 = time.perf_counter()
                    fn()
                    times.append(time.perf_counter() - t0)
                print(f"{what} in a virtual server of it: median {statistics.median(times) * 1000:.2f} ms (target < 100 ms)")
        finally:
            app.close()


if __name__ == "__main__":
    main()
    backup_bench()
    from .ssh_bench import main as ssh_main

    ssh_main()
