"""Traffic and event logs in ``<data dir>/log/``: ``traffic.log`` and ``event.log``.

Why a writer thread: ``traffic()`` is called from the data plane's trio thread once per request, so it
must never touch the disk. Callers hand a line to a bounded queue and return at once; one writer
thread drains the queue, prefixes each line with the time it was *handed in* (FortiADC's
``date=YYYY-MM-DD time=HH:MM:SS`` fields), appends it and rotates the file by size. When the queue is
full (the disk is slower than the traffic) the line is dropped and counted, and the writer says how
many were lost in the log itself as soon as it catches up, so a gap is never silent.

The console reads the logs back (``execute log display``) after ``flush()``, a bounded wait for the
writer to reach everything queued so far.
"""
from __future__ import annotations

import os
import queue
import re
import threading
import time
from collections import deque
from pathlib import Path
from typing import BinaryIO

KINDS = ("traffic", "event")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_BACKUPS = 5
DEFAULT_QUEUE = 10000

_Item = tuple[str, float, str] | threading.Event | None  # a line, a flush marker, or stop
_NEEDS_QUOTES = re.compile(r'[\s"\\]')


def kv(value: object) -> str:
    """A field value as FortiADC logs print it: bare when it is one plain word, else quoted."""
    text = str(value)
    if text and not _NEEDS_QUOTES.search(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def one_line(text: str) -> str:
    """No line breaks inside a record: a client-chosen value must not forge a log line."""
    return text.replace("\r", " ").replace("\n", " ")


def stamp(ts: float) -> str:
    """The record prefix: local date and time of the event, as FortiADC's first two fields."""
    t = time.localtime(ts)
    return time.strftime("date=%Y-%m-%d time=%H:%M:%S", t)


class LogFiles:
    """The two log files and their writer thread (see the module docstring).

    ``max_bytes`` is the size at which a file rotates (``traffic.log`` -> ``traffic.log.1`` ...), keeping
    ``backups`` old files; ``queue_size`` bounds the lines waiting for the writer.
    """

    def __init__(self, base_dir: Path, max_bytes: int = DEFAULT_MAX_BYTES, backups: int = DEFAULT_BACKUPS,
                 queue_size: int = DEFAULT_QUEUE) -> None:
        self.base_dir = base_dir
        self.dir = Path(base_dir) / "log"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max(1, max_bytes)
        self.backups = max(0, backups)
        self._queue: queue.Queue[_Item] = queue.Queue(maxsize=max(1, queue_size))
        self._lock = threading.Lock()
        self._dropped = dict.fromkeys(KINDS, 0)  # dropped since the writer last reported
        self.dropped_total = dict.fromkeys(KINDS, 0)
        self._files: dict[str, BinaryIO] = {}
        self._sizes: dict[str, int] = {}
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="adc-log-writer", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ producers (never block)
    def traffic(self, line: str) -> None:
        self._put("traffic", line)

    def event(self, category: str, text: str, pri: str = "information") -> None:
        """One event record; ``pri`` is FortiADC's priority word (information, warning, alert...)."""
        self._put("event", f"type=event subtype={kv(category)} pri={kv(pri)} vd=root msg={kv(one_line(text))}")

    def _put(self, kind: str, line: str) -> None:
        if self._closed:
            return
        try:
            self._queue.put_nowait((kind, time.time(), line))
        except queue.Full:
            with self._lock:
                self._dropped[kind] += 1
                self.dropped_total[kind] += 1

    # ------------------------------------------------------------------ console side
    def path(self, kind: str) -> Path:
        return self.dir / f"{kind}.log"

    def flush(self, timeout: float = 2.0) -> bool:
        """Wait (at most ``timeout`` seconds) until every line queued before this call is on disk."""
        if self._closed or not self._thread.is_alive():
            return False
        marker = threading.Event()
        deadline = time.monotonic() + timeout
        try:
            self._queue.put(marker, timeout=timeout)
        except queue.Full:
            return False
        return marker.wait(max(0.0, deadline - time.monotonic()))

    def tail(self, kind: str, lines: int) -> list[str]:
        """The last ``lines`` records of a log, reaching into rotated files when the current one is short."""
        out: deque[str] = deque(maxlen=max(0, lines))
        files = [self.dir / f"{kind}.log.{i}" for i in range(self.backups, 0, -1)] + [self.path(kind)]
        for f in files:
            try:
                with open(f, encoding="utf-8", errors="replace") as fh:
                    for line in fh:
                        out.append(line.rstrip("\n"))
            except FileNotFoundError:
                continue
        return list(out)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, stop the writer and close the files (a second call does nothing)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            pass
        self._thread.join(timeout)

    # ------------------------------------------------------------------ the writer thread
    def _run(self) -> None:
        try:
            while True:
                item = self._queue.get()
                markers: list[threading.Event] = []
                stop = False
                while True:  # take everything already queued, then flush once
                    if item is None:
                        stop = True
                    elif isinstance(item, threading.Event):
                        markers.append(item)
                    else:
                        self._write_record(*item)
                    self._report_drops()
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                for fh in self._files.values():
                    fh.flush()
                for m in markers:
                    m.set()
                if stop:
                    return
        finally:
            for fh in self._files.values():
                try:
                    fh.close()
                except OSError:
                    pass
            self._files.clear()

    def _report_drops(self) -> None:
        with self._lock:
            dropped = {k: n for k, n in self._dropped.items() if n}
            for k in dropped:
                self._dropped[k] = 0
        for kind, n in dropped.items():
            self._write_record(kind, time.time(),
                               f"type=event subtype=system pri=warning vd=root msg={kv(f'{n} {kind} log lines dropped: the log writer could not keep up')}")

    def _write_record(self, kind: str, ts: float, line: str) -> None:
        self._write_line(kind, f"{stamp(ts)} {one_line(line)}\n".encode("utf-8", "replace"))

    def _write_line(self, kind: str, data: bytes) -> None:
        """Append one record, rotating first when it would take the file past ``max_bytes``."""
        try:
            fh = self._open(kind)
            if self._sizes[kind] and self._sizes[kind] + len(data) > self.max_bytes:
                self._rotate(kind)
                fh = self._open(kind)
            fh.write(data)
            self._sizes[kind] += len(data)
        except OSError:
            pass  # a full or vanished disk must not stop the writer (the next line retries)

    def _open(self, kind: str) -> BinaryIO:
        fh = self._files.get(kind)
        if fh is None:
            path = self.path(kind)
            path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(path, "ab")  # noqa: SIM115 - kept open across records, closed by the writer
            self._files[kind] = fh
            self._sizes[kind] = fh.tell()
        return fh

    def _rotate(self, kind: str) -> None:
        fh = self._files.pop(kind)
        fh.close()
        base = self.path(kind)
        if self.backups == 0:
            base.unlink(missing_ok=True)
            return
        oldest = base.with_name(f"{base.name}.{self.backups}")
        oldest.unlink(missing_ok=True)
        for i in range(self.backups - 1, 0, -1):
            src = base.with_name(f"{base.name}.{i}")
            if src.exists():
                os.replace(src, base.with_name(f"{base.name}.{i + 1}"))
        os.replace(base, base.with_name(f"{base.name}.1"))
