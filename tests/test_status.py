"""Pins `get system status` / `get system performance` text and checks the samplers read real figures."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from adc import status
from adc.status import (LABEL_WIDTH, PerformanceFacts, StatusFacts, format_system_performance,
                        format_system_status, format_timestamp, format_uptime, sample_performance,
                        sample_status, serial_from_machine_id)
from adc.version import version_line

PDT = timezone(timedelta(hours=-7), "PDT")
PST = timezone(timedelta(hours=-8), "PST")
GIB = 1024**3

LABELS = ["Version", "VM Registration", "VM License File", "VM Resources", "Serial-Number",
          "WAF Signature DB", "IP Reputation DB", "Geography IP DB", "Bootloader Version", "Hard Disk",
          "Log Size", "Hostname", "HA Configured Mode", "HA Effective Mode", "Distribution",
          "CM Agent status", "Uptime", "Last Reboot", "System Time"]


def facts(**over: object) -> StatusFacts:
    base: dict[str, object] = dict(
        hostname="FortiADC-XENAWS",
        uptime_s=12 * 86400 + 7 * 3600 + 54 * 60 + 59,
        boot_time=datetime(2023, 11, 1, 13, 28, 27, tzinfo=PDT),
        now=datetime(2023, 11, 13, 20, 23, 22, tzinfo=PST),
        cpu_count=2,
        ram_mb=7564,
        disk_total_bytes=29 * GIB + GIB // 2,
        disk_used_bytes=int(0.0573 * (29 * GIB + GIB // 2)),
        disk_free_bytes=27 * GIB + 5,
        log_size_bytes=34 * 1024**2 + 100,
        machine_id="abc",
    )
    base.update(over)
    return StatusFacts(**base)  # type: ignore[arg-type]


def parse(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        label, _, _ = line.partition(":")
        out[label] = line[LABEL_WIDTH:]
    return out


@pytest.mark.parametrize("secs, text", [
    (0, "0 days 0 hours 0 minutes"),
    (59, "0 days 0 hours 0 minutes"),
    (60, "0 days 0 hours 1 minute"),
    (120, "0 days 0 hours 2 minutes"),
    (3600, "0 days 1 hour 0 minutes"),
    (86400, "1 day 0 hours 0 minutes"),
    (86400 + 3600 + 60, "1 day 1 hour 1 minute"),
    (12 * 86400 + 7 * 3600 + 54 * 60 + 59, "12 days 7 hours 54 minutes"),
    (-5, "0 days 0 hours 0 minutes"),
])
def test_format_uptime(secs: float, text: str) -> None:
    assert format_uptime(secs) == text


def test_timestamp_format() -> None:
    assert format_timestamp(datetime(2023, 11, 1, 13, 28, 27, tzinfo=PDT)) == "Wed Nov 01 13:28:27 PDT 2023"
    assert format_timestamp(datetime(2023, 11, 13, 20, 23, 22, tzinfo=PST)) == "Mon Nov 13 20:23:22 PST 2023"


def test_status_labels_order_and_padding() -> None:
    text = format_system_status(facts())
    assert text.endswith("\n") and not text.endswith("\n\n")
    lines = text.split("\n")[:-1]
    assert [ln.split(":")[0] for ln in lines] == LABELS
    assert LABEL_WIDTH == max(len(label) for label in LABELS) + 2
    for ln, label in zip(lines, LABELS):
        assert ln.startswith(label + ":")
        assert ln[:LABEL_WIDTH] == (label + ": ").ljust(LABEL_WIDTH)
        assert ln[LABEL_WIDTH] != " "


def test_status_values() -> None:
    v = parse(format_system_status(facts()))
    assert v["Version"] == version_line()
    assert v["VM Registration"] == "Valid: License has been successfully authenticated with registration servers."
    assert v["VM License File"] == "License file and resources are valid."
    assert v["VM Resources"] == "2 CPU/2 allowed, 7564 MB RAM, 29 GB Disk"
    assert v["Serial-Number"] == serial_from_machine_id("abc")
    assert v["WAF Signature DB"] == "00001.00043 (Expire: 2027-11-24)"
    assert v["Geography IP DB"] == "00002.00189"
    assert v["Bootloader Version"] == "n/a"
    assert v["Hard Disk"] == "Capacity 29 GB, Used 1 GB ( 5.73%), Free 27 GB"
    assert v["Log Size"] == "34 MB, 0%"
    assert v["Hostname"] == "FortiADC-XENAWS"
    assert v["HA Configured Mode"] == "standalone"
    assert v["HA Effective Mode"] == "Standalone"
    assert v["Distribution"] == "International"
    assert v["CM Agent status"] == "(Disabled)"
    assert v["Uptime"] == "12 days 7 hours 54 minutes"
    assert v["Last Reboot"] == "Wed Nov 01 13:28:27 PDT 2023"
    assert v["System Time"] == "Mon Nov 13 20:23:22 PST 2023"


def test_status_expire_not_zero_padded_and_cpu_allowed() -> None:
    from datetime import date
    v = parse(format_system_status(facts(signature_expire=date(2023, 8, 13), cpu_allowed=4)))
    assert v["IP Reputation DB"] == "00004.00822 (Expire: 2023-8-13)"
    assert v["VM Resources"].startswith("2 CPU/4 allowed,")


def test_naive_datetime_rejected() -> None:
    with pytest.raises(ValueError):
        facts(now=datetime(2023, 1, 1))


def test_serial_stable_and_shaped() -> None:
    s = serial_from_machine_id("machine-1")
    assert s == serial_from_machine_id("machine-1")
    assert s != serial_from_machine_id("machine-2")
    assert len(s) == 16 and s.startswith("FADVMSTM") and s[8:].isdigit()


def test_performance_format() -> None:
    text = format_system_performance(PerformanceFacts(cpu_used_pct=2, mem_used_pct=40, load=0,
                                                      uptime_s=12 * 86400 + 23 * 3600 + 32 * 60))
    assert text == ("CPU usage: 2% used, 98% idle\n"
                    "Memory usage: 40% used\n"
                    "System Load: 0\n"
                    "Uptime: 12 days 23 hours 32 minutes\n")


def test_sample_status_real(tmp_path: Path) -> None:
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / "a.log").write_bytes(b"x" * (3 * 1024**2))
    started = time.time() - 3725
    t0 = time.perf_counter()
    f = sample_status("adc1", started, tmp_path)
    assert time.perf_counter() - t0 < 0.5
    assert 3725 <= f.uptime_s < 3800
    assert f.cpu_count >= 1 and f.ram_mb > 0
    assert 0 < f.disk_used_bytes < f.disk_total_bytes
    assert f.log_size_bytes >= 3 * 1024**2
    assert f.boot_time.tzinfo is not None and f.now.tzinfo is not None
    assert abs((f.now - f.boot_time).total_seconds() - 3725) < 5
    assert f.serial == sample_status("adc1", started, tmp_path).serial  # stable
    v = parse(format_system_status(f))
    assert v["Hostname"] == "adc1"
    assert v["Uptime"] == "0 days 1 hour 2 minutes"
    assert v["Log Size"].startswith("3 MB, ")


def test_sample_status_missing_data_dir(tmp_path: Path) -> None:
    f = sample_status("h", time.time(), tmp_path / "not" / "yet")
    assert f.log_size_bytes == 0 and f.disk_total_bytes > 0


def test_sample_performance_real() -> None:
    import os
    started = time.time() - 90
    status._cpu_last = None
    t0 = time.perf_counter()
    p = sample_performance(started)
    took = time.perf_counter() - t0
    # burn some CPU so the next sample (delta since the previous call) sees real work
    cpu0, wall0 = time.process_time(), time.time()
    end = time.perf_counter() + 0.2
    while time.perf_counter() < end:
        pass
    t1 = time.perf_counter()
    p2 = sample_performance(started)
    took = max(took, time.perf_counter() - t1)
    cpu1, wall1 = time.process_time(), time.time()
    assert took < 0.5  # never a blocking cpu_percent(interval=...)
    for q in (p, p2):
        assert 0 <= q.cpu_used_pct <= 100
        assert 1 <= q.mem_used_pct <= 100
        assert q.load >= 0
        assert 90 <= q.uptime_s < 100
    # the second sample is this process's CPU since the first, as a share of all CPUs: what the test
    # itself measured around it (however busy the machine is), within rounding and the calls' own cost
    expected = 100 * (cpu1 - cpu0) / ((wall1 - wall0) * (os.cpu_count() or 1))
    assert p2.cpu_used_pct > 0 and abs(p2.cpu_used_pct - expected) <= 10
    out = format_system_performance(p2)
    assert out.startswith(f"CPU usage: {p2.cpu_used_pct}% used, {100 - p2.cpu_used_pct}% idle\n")
