"""The ``adc`` command in script mode, run as a real process with a script on stdin.

Script mode is what CI and provisioning use: no prompts, no echo, only what commands print on
stdout, ``line N:`` reports on stderr, the exit status says whether every line worked, and lines are
handled as they arrive (a headless appliance fed by ``(cat cfg; sleep 3600) | adc``).
"""
from __future__ import annotations

import io
import os
import re
import selectors
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import BinaryIO, cast

import pytest

from adc.appliance import Appliance
from cli.script_runner import ECHO_LIMIT, LINE_LIMIT, read_lines, run_script

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60  # seconds; a bound on a hang, never a wait for something to happen
# The child's streams buffered as they are for a user, so a missing flush shows up here.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}

RS_SCRIPT = b"""config load-balance real-server
  edit "rs1"
    set ip 10.0.1.11
  next
end
show load-balance real-server
"""


def adc(data_dir: Path, script: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "cli", "--data-dir", str(data_dir), *args],
        input=script,
        capture_output=True,
        cwd=ROOT,
        env=ENV,
        timeout=TIMEOUT,
    )


def in_memory_output(script: bytes) -> str:
    """What the commands of ``script`` print, run straight through an engine session."""
    app = Appliance(None)
    try:
        session = app.session()
        return "".join(session.execute(line).output for line in script.decode().splitlines())
    finally:
        app.close()


def test_stdout_is_exactly_what_the_commands_print(tmp_path: Path) -> None:
    run = adc(tmp_path / "box", RS_SCRIPT)
    assert run.returncode == 0, run.stderr
    assert run.stderr == b""
    out = run.stdout.decode()
    assert out == in_memory_output(RS_SCRIPT)
    assert out.startswith("Add new entry 'rs1' for node ")
    assert 'config load-balance real-server\n  edit "rs1"\n    set ip 10.0.1.11\n  next\nend\n' in out
    assert "FortiADC-VM #" not in out and "set ip 10.0.1.11\n  next" in out  # no prompts, no echo


def test_failing_lines_are_reported_and_the_status_is_1(tmp_path: Path) -> None:
    script = b"get system status\nfrobnicate now\nconfig load-balance\n  show load-balance pool\n"
    run = adc(tmp_path / "box", script)
    assert run.returncode == 1
    assert run.stderr.decode() == (
        "line 2: frobnicate now\nUnknown action 0\n"
        "line 3: config load-balance\nCommand fail. CLI parsing error\n"
    )
    assert b"Hostname:" in run.stdout  # the lines around the failures still ran
    assert b"Unknown action" not in run.stdout


def test_invalid_utf8_and_a_huge_line_fail_alone(tmp_path: Path) -> None:
    script = (
        b"config load-balance real-server\n"
        b"edit bad\xff\xfename\n"
        + b"x" * 1_000_000 + b"\n"
        + b"edit rs2\nset ip 10.0.0.2\nend\nshow load-balance real-server\n"
    )
    run = adc(tmp_path / "box", script)
    assert run.returncode == 1
    err = run.stderr.decode()
    assert "line 2: edit bad\\xff\\xfename\n" in err
    assert "UTF-8" in err
    assert "line 3: " + "x" * ECHO_LIMIT + "... (1000000 characters)\n" in err
    assert "too long" in err
    assert len(re.findall(r"^line \d+: ", err, re.M)) == 2
    assert b"set ip 10.0.0.2" in run.stdout
    assert b"bad" not in run.stdout


def test_config_survives_a_restart(tmp_path: Path) -> None:
    box = tmp_path / "box"
    first = adc(box, RS_SCRIPT.replace(b"show load-balance real-server\n", b""))
    assert first.returncode == 0, first.stderr
    again = adc(box, b"show load-balance real-server\n")
    assert again.returncode == 0, again.stderr
    assert b'edit "rs1"\n    set ip 10.0.1.11' in again.stdout


def test_exit_stops_reading(tmp_path: Path) -> None:
    run = adc(tmp_path / "box", b"exit\nfrobnicate\n")
    assert (run.returncode, run.stdout, run.stderr) == (0, b"", b"")


def test_comments_and_blank_lines_print_nothing(tmp_path: Path) -> None:
    run = adc(tmp_path / "box", b"# a comment\n\n   \r\n")
    assert (run.returncode, run.stdout, run.stderr) == (0, b"", b"")


def test_version() -> None:
    run = subprocess.run([sys.executable, "-m", "cli", "--version"], capture_output=True, cwd=ROOT, timeout=TIMEOUT)
    assert run.returncode == 0
    assert run.stdout.startswith(b"adc FortiADC-VM v7.4")


def _read_until(proc: subprocess.Popen[bytes], wanted: bytes) -> bytes:
    """Read the child's stdout until ``wanted`` shows up (or fail after TIMEOUT): no sleeping."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    got = b""
    deadline = time.monotonic() + TIMEOUT
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while wanted not in got:
            left = deadline - time.monotonic()
            assert left > 0, f"no {wanted!r} in {got!r}"
            if sel.select(left):
                chunk = os.read(fd, 65536)
                assert chunk, f"stdout closed before {wanted!r}; got {got!r}"
                got += chunk
    return got


def test_lines_run_as_they_arrive_and_the_dir_stays_locked(tmp_path: Path) -> None:
    box = tmp_path / "box"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "--data-dir", str(box)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=ENV,
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write(b"config load-balance real-server\nedit rs7\n")
        proc.stdin.flush()
        # The input is still open: the reply must come anyway (streamed and flushed per command).
        assert b"Add new entry 'rs7'" in _read_until(proc, b"\n")
        # While it runs, a second appliance cannot take the same directory.
        second = adc(box, b"show\n")
        assert second.returncode == 2
        assert str(box).encode() in second.stderr
        proc.stdin.write(b"set ip 10.0.0.7\nend\n")
        proc.stdin.close()
        assert proc.wait(timeout=TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=TIMEOUT)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    after = adc(box, b"show load-balance real-server\n")
    assert b"set ip 10.0.0.7" in after.stdout


@pytest.mark.parametrize(
    ("data", "lines"),
    [
        (b"a\nb\r\nc", ["a", "b", "c"]),
        (b"\xff\n", ["\udcff"]),
        (b"", []),
        (b"12345678\nok\n", ["1234", "ok"]),  # over the limit: the head is kept, the rest skipped
        (b"1234\nok\n", ["1234", "ok"]),
        (b"123\\5678\nok\n", ["123\\ ", "ok"]),  # a cut head ending in a backslash does not continue
    ],
)
def test_read_lines(data: bytes, lines: list[str]) -> None:
    assert list(read_lines(io.BytesIO(data), limit=4)) == lines


class Generated:
    """Script input made as it is read, never whole: ``parts`` are (bytes, how many times), in order."""

    def __init__(self, *parts: tuple[bytes, int]) -> None:
        self.parts = list(parts)
        self.buf = b""

    def readline(self, limit: int = -1) -> bytes:
        out = bytearray()
        while limit < 0 or len(out) < limit:
            if not self.buf:
                if not self.parts:
                    break
                chunk, count = self.parts[0]
                self.parts[0] = (chunk, count - 1)
                if count <= 1:
                    self.parts.pop(0)
                self.buf = chunk
            want = len(self.buf) if limit < 0 else limit - len(out)
            newline = self.buf.find(b"\n", 0, want)
            take = newline + 1 if newline >= 0 else min(want, len(self.buf))
            out += self.buf[:take]
            self.buf = self.buf[take:]
            if newline >= 0:
                break
        return bytes(out)


def run_bounded(*parts: tuple[bytes, int]) -> tuple[int, str, str, int]:
    """Run generated input through the script runner on a fresh appliance: status, stdout, stderr and
    the peak of memory allocated meanwhile."""
    app = Appliance(None)
    out, err = io.BytesIO(), io.BytesIO()
    tracemalloc.start()
    try:
        status = run_script(app.session(), cast(BinaryIO, Generated(*parts)), out, err)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        app.close()
    return status, out.getvalue().decode(), err.getvalue().decode(), peak


def test_a_gigabyte_without_a_line_break_is_never_held() -> None:
    status, out, err, peak = run_bounded((b"x" * (1 << 20), 1024), (b"\nget system status\n", 1))
    assert peak < 16 * 1024 * 1024, peak
    assert status == 1 and "Hostname:" in out
    assert err.startswith("line 1: " + "x" * ECHO_LIMIT + f"... ({LINE_LIMIT} characters)\nline too long (")
    assert len(re.findall(r"^line \d+: ", err, re.M)) == 1


def test_300_continued_lines_of_a_megabyte_fail_as_one_line_in_bounded_memory() -> None:
    """Issue 15, point 5: they used to pile up (631 MB before an error); now the script goes on."""
    status, out, err, peak = run_bounded((b"x" * 1_000_000 + b"\\\n", 300), (b"end\nget system status\n", 1))
    assert peak < 16 * 1024 * 1024, peak
    assert status == 1 and "Hostname:" in out
    assert err == (f"line 301: end\nline too long ({300 * 1_000_000 + 3} characters, at most 16384)\n"
                   "Command fail. CLI parsing error\n")


def test_a_cut_line_ending_in_a_backslash_does_not_swallow_the_next() -> None:
    status, out, err, _ = run_bounded((b"x" * (LINE_LIMIT - 1) + b"\\" + b"y" * 10 + b"\n", 1),
                                      (b"get system status\n", 1))
    assert status == 1 and "Hostname:" in out
    assert err.startswith("line 1: ") and "line 2" not in err


def test_the_files_folder_is_in_the_data_dir_or_chosen(tmp_path: Path) -> None:
    run = adc(tmp_path / "box", b"execute backup config saved.cli\n")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "box" / "files" / "saved.cli").is_file()
    script = b"execute backup config saved.cli\nexecute restore config /etc/passwd\n"
    run = adc(tmp_path / "box", script, "--files-dir", str(tmp_path / "tftp"))
    assert run.returncode == 1
    assert (tmp_path / "tftp" / "saved.cli").read_bytes() == (tmp_path / "box" / "files" / "saved.cli").read_bytes()
    assert run.stderr.decode() == ("line 2: execute restore config /etc/passwd\n"
                                   "cannot read /etc/passwd: outside the files folder\nCommand fail. Return code is -37\n")
