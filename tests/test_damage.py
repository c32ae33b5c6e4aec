"""A damaged data directory is noticed at start: refused with a message naming the file and what to do,
never a traceback, never a silently different configuration, never evidence destroyed (issue:
hardening, point 2)."""
from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from adc.appliance import Appliance
from adc.config.persist import JOURNAL, SNAPSHOT, TORN, CorruptDataDir
from adc.errors import AdcError

ADC = str(Path(sys.executable).with_name("adc"))
CONFIG = """config load-balance real-server
edit rs1
set ip 10.0.0.25
next
edit rs2
set ip 10.0.0.26
end
config load-balance pool
edit p1
config pool_member
edit 1
set real-server rs1
next
end
next
end
"""


def made(tmp_path: Path, snapshot_too: bool = True) -> tuple[Path, list[str]]:
    """A data directory holding CONFIG (as a snapshot and journal records), and what ``show`` prints."""
    box = tmp_path / "box"
    app = Appliance(box)
    try:
        s = app.session()
        for line in CONFIG.splitlines():
            assert not s.execute(line).failed, line
        if snapshot_too:
            s.execute("config system global")
            s.execute("set hostname box1")
            s.execute("end")
        shown = s.show_all()
    finally:
        app.close()
    return box, shown


def start(box: Path) -> list[str]:
    """Start an appliance on ``box`` and return what ``show`` prints (raises what the start raises)."""
    app = Appliance(box)
    try:
        return app.session().show_all()
    finally:
        app.close()


def test_a_changed_byte_in_the_snapshot_is_refused(tmp_path: Path) -> None:
    box, _ = made(tmp_path)
    app = Appliance(box)
    app._datadir.compact()  # type: ignore[union-attr]  # everything in the snapshot, an empty journal
    app.close()
    raw = (box / SNAPSHOT).read_bytes()
    assert b"10.0.0.25" in raw
    (box / SNAPSHOT).write_bytes(raw.replace(b"10.0.0.25", b"10.8.0.25"))  # the bit flip of the report
    with pytest.raises(CorruptDataDir) as info:
        start(box)
    text = "\n".join(info.value.lines())
    assert str(box / SNAPSHOT) in text and "checksum" in text and "--data-dir" in text
    assert (box / SNAPSHOT).read_bytes() == raw.replace(b"10.0.0.25", b"10.8.0.25")  # nothing changed


def test_a_changed_byte_in_the_last_journal_record_is_refused_and_kept(tmp_path: Path) -> None:
    box, _ = made(tmp_path)
    raw = (box / JOURNAL).read_bytes()
    assert raw.endswith(b"\n") and b"box1" in raw.splitlines()[-1]
    damaged = raw[:-10] + bytes([raw[-10] ^ 0x04]) + raw[-9:]
    (box / JOURNAL).write_bytes(damaged)
    with pytest.raises(CorruptDataDir, match=r"journal.jsonl:\d+: damaged record"):
        start(box)
    assert (box / JOURNAL).read_bytes() == damaged  # the evidence stays
    (box / JOURNAL).write_bytes(raw[:-1] + b"\r")  # the end of line itself
    with pytest.raises(CorruptDataDir, match="end of line"):
        start(box)


def test_a_torn_journal_end_is_cut_and_kept_aside(tmp_path: Path) -> None:
    box, shown = made(tmp_path)
    raw = (box / JOURNAL).read_bytes()
    (box / JOURNAL).write_bytes(raw + b'{"gen": 99, "pa')  # a write a power cut interrupted
    assert start(box) == shown
    assert (box / JOURNAL).read_bytes() == raw and (box / TORN).read_bytes() == b'{"gen": 99, "pa'


def test_the_command_line_names_the_file_and_what_to_do(tmp_path: Path) -> None:
    box, _ = made(tmp_path)
    raw = (box / JOURNAL).read_bytes()
    (box / JOURNAL).write_bytes(raw[:40] + bytes([raw[40] ^ 0x01]) + raw[41:])
    run = subprocess.run([ADC, "--data-dir", str(box), "--no-serve"], input="show\n", capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert f"{box / JOURNAL}:1: damaged record" in run.stderr and "restore a backup" in run.stderr
    assert run.stdout == ""


def test_a_damaged_factory_certificate_is_refused_with_what_to_do(tmp_path: Path) -> None:
    box, shown = made(tmp_path)
    crt = box / "certs" / "Factory.crt"
    good = crt.read_bytes()
    lines = good.splitlines(keepends=True)
    lines[5] = bytes([lines[5][0] ^ 0x01]) + lines[5][1:]  # inside the base64 body: may still parse
    crt.write_bytes(b"".join(lines))
    with pytest.raises(AdcError) as info:
        start(box)
    text = "\n".join(info.value.lines())
    assert "Factory.crt" in text and "remove them" in text
    crt.write_bytes(good)
    assert start(box) == shown


def test_random_flips_never_give_a_traceback_or_another_configuration(tmp_path: Path) -> None:
    """Property: one flipped bit anywhere in the files that hold configuration gives either the very
    same configuration or a refusal that names the damaged file."""
    box, shown = made(tmp_path)
    files = [SNAPSHOT, JOURNAL, "certs/Factory.crt", "certs/Factory.key", "certs/Factory.sum"]
    rng = random.Random(15)
    refused = 0
    for n in range(80):
        copy = tmp_path / f"flip{n}"
        shutil.copytree(box, copy)
        name = files[n % len(files)]
        target = copy / name
        raw = bytearray(target.read_bytes())
        at = rng.randrange(len(raw))
        raw[at] ^= 1 << rng.randrange(8)
        target.write_bytes(bytes(raw))
        try:
            got = start(copy)
        except AdcError as err:
            refused += 1
            assert Path(name).name in "\n".join(err.lines()) or name.startswith("certs/Factory"), (name, at, err.lines())
        else:
            assert got == shown, (name, at)
        shutil.rmtree(copy)
    assert refused >= 70  # nearly every flip is caught (a flip may land where it changes nothing)
