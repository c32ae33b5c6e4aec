"""``LogFiles``: timestamped records, size rotation, never blocking the caller, flush and close."""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path

from adc.logs import LogFiles, kv

STAMP = re.compile(r"^date=\d{4}-\d\d-\d\d time=\d\d:\d\d:\d\d ")


def test_records_are_timestamped_in_base_dir_log(tmp_path: Path) -> None:
    logs = LogFiles(tmp_path)
    try:
        logs.traffic("type=traffic subtype=slb_http policy=web")
        logs.event("config", 'commit 3: load-balance pool "web": saved\nforged line')
        assert logs.flush(5)
        traffic = (tmp_path / "log" / "traffic.log").read_text().splitlines()
        event = (tmp_path / "log" / "event.log").read_text().splitlines()
    finally:
        logs.close()
    assert len(traffic) == 1 and STAMP.match(traffic[0]) and traffic[0].endswith("subtype=slb_http policy=web")
    assert len(event) == 1 and STAMP.match(event[0])  # a newline in the text never starts a new record
    assert 'type=event subtype=config pri=information vd=root msg="commit 3: load-balance pool \\"web\\": saved forged line"' in event[0]


def test_kv_quotes_only_when_needed() -> None:
    assert kv("web") == "web"
    assert kv("a b") == '"a b"'
    assert kv("") == '""'
    assert kv('x"y') == '"x\\"y"'


def test_rotation_by_size_keeps_the_newest_files(tmp_path: Path) -> None:
    logs = LogFiles(tmp_path, max_bytes=300, backups=2)
    try:
        for i in range(60):
            logs.traffic(f"line {i:03d} " + "x" * 20)
        assert logs.flush(5)
        d = tmp_path / "log"
        names = sorted(p.name for p in d.iterdir())
        assert names == ["traffic.log", "traffic.log.1", "traffic.log.2"]
        assert all(p.stat().st_size <= 300 for p in d.iterdir())
        tail = logs.tail("traffic", 1000)
    finally:
        logs.close()
    numbers = [int(line.split("line ")[1][:3]) for line in tail]
    assert numbers[-1] == 59 and numbers == list(range(numbers[0], 60))  # contiguous, oldest files first
    assert [int(x.split("line ")[1][:3]) for x in LogFiles.tail(logs, "traffic", 3)] == [57, 58, 59]


class SlowLogFiles(LogFiles):
    """A writer stuck on a slow disk until ``gate`` opens."""

    def __init__(self, *args: object, **kw: object) -> None:
        self.gate = threading.Event()
        super().__init__(*args, **kw)  # type: ignore[arg-type]

    def _write_line(self, kind: str, data: bytes) -> None:
        self.gate.wait(20)
        super()._write_line(kind, data)


def test_a_slow_writer_never_blocks_the_caller_and_drops_are_logged(tmp_path: Path) -> None:
    logs = SlowLogFiles(tmp_path, queue_size=5)
    try:
        t0 = time.monotonic()
        for i in range(5000):
            logs.traffic(f"request {i}")
        elapsed = time.monotonic() - t0
        assert elapsed < 2.0  # 5000 calls against a stuck writer: each one returned at once
        assert logs.dropped_total["traffic"] >= 5000 - 5 - 1
        logs.gate.set()
        assert logs.flush(10)
        lines = (tmp_path / "log" / "traffic.log").read_text().splitlines()
    finally:
        logs.gate.set()
        logs.close()
    kept = [line for line in lines if "request " in line]
    assert 1 <= len(kept) <= 6
    notes = [line for line in lines if "lines dropped" in line]
    assert notes and sum(int(n.split('msg="')[1].split()[0]) for n in notes) == logs.dropped_total["traffic"]


def test_close_writes_everything_queued_and_later_lines_are_ignored(tmp_path: Path) -> None:
    logs = LogFiles(tmp_path)
    for i in range(500):
        logs.traffic(f"n={i}")
    logs.close()
    assert len((tmp_path / "log" / "traffic.log").read_text().splitlines()) == 500
    logs.traffic("after close")  # no error, no write
    logs.close()  # idempotent
    assert not logs.flush(0.1)
    assert "after close" not in (tmp_path / "log" / "traffic.log").read_text()
