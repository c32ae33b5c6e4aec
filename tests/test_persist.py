"""The data directory: round trips, crash debris, corruption, compaction, locking, and kill -9."""
from __future__ import annotations

import importlib.util
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from adc.config import persist
from adc.config.persist import (FORMAT, JOURNAL, SNAPSHOT, SNAPSHOT_TMP, TORN, CorruptDataDir, DataDir, DataDirInUse,
                                PersistError, decode_record, encode_record)
from adc.config.store import Change, ConfigStore
from adc.config.tree import ConfigTree, Entry
from adc.errors import AdcError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKER = HERE / "_persist_worker.py"
_spec = importlib.util.spec_from_file_location("_persist_worker", WORKER)
assert _spec is not None and _spec.loader is not None
worker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(worker)

VS = ("load-balance", "virtual-server")
GLOBAL = ("system", "global")


def put(store: ConfigStore, name: str, **values: str) -> None:
    store.commit(Change(VS, name, Entry(name, dict(values))))


def opened(path: Path, **kw: object) -> tuple[DataDir, ConfigStore]:
    data = DataDir(path, **kw)  # type: ignore[arg-type]
    tree, gen = data.load_or_init(ConfigTree)
    return data, ConfigStore(tree, data, gen)


def reload(path: Path) -> tuple[ConfigTree, int]:
    with DataDir(path) as data:
        loaded = data.load()
    assert loaded is not None
    return loaded


def journal_lines(path: Path) -> list[bytes]:
    return (path / JOURNAL).read_bytes().splitlines(keepends=True)


def test_first_start_and_directory_mode(tmp_path: Path) -> None:
    d = tmp_path / "new" / "data"
    with DataDir(d) as data:
        assert data.load() is None
        with pytest.raises(PersistError, match="no snapshot"):
            data.record(1, Change(VS, "a", Entry("a")))
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    with DataDir(d) as data:
        assert data.load() is None  # still nothing saved
        tree, gen = data.load_or_init(lambda: ConfigTree({GLOBAL: Entry(None, {"hostname": "FortiADC"})}))
        assert gen == 0
    assert reload(d) == (ConfigTree({GLOBAL: Entry(None, {"hostname": "FortiADC"})}), 0)


def test_round_trip_commits_deletes_singles_replace(tmp_path: Path) -> None:
    data, store = opened(tmp_path)
    for i in range(5):
        put(store, f"vs{i}", port=str(i))
    store.commit(Change(VS, "vs1", None))
    put(store, "vs3", port="99")  # existing key keeps its position
    store.commit(Change(GLOBAL, None, Entry(None, {"hostname": "adc1", "ntp": ("a", "b")})))
    nested = Entry("vs9", {"port": "9"})
    nested.child("content-routing").put(Entry("cr1", {"x": "1"}, reserved=True))
    store.commit(Change(VS, "vs9", nested))
    data.close()

    tree, gen = reload(tmp_path)
    assert gen == store.generation == 9
    assert tree == store.tree
    assert list(tree.table(VS).entries) == ["vs0", "vs2", "vs3", "vs4", "vs9"]
    assert tree.table(VS).get("vs3").values == {"port": "99"}  # type: ignore[union-attr]
    assert tree.single(GLOBAL).values["ntp"] == ("a", "b")
    assert tree.table(VS).get("vs9").children["content-routing"].get("cr1").reserved  # type: ignore[union-attr]

    data, store = opened(tmp_path)
    assert store.generation == 9
    store.replace(ConfigTree({GLOBAL: Entry(None, {"hostname": "reset"})}))
    assert (tmp_path / JOURNAL).read_bytes() == b""
    put(store, "after", port="1")
    data.close()
    tree, gen = reload(tmp_path)
    assert gen == 11 and tree == store.tree
    assert list(tree.table(VS).entries) == ["after"]


def test_record_format_and_crc() -> None:
    line = encode_record(7, Change(VS, "a", Entry("a", {"port": "80"})))
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    body = json.loads(line)
    assert body["gen"] == 7 and body["path"] == list(VS) and body["key"] == "a" and isinstance(body["crc"], int)
    assert decode_record(line.rstrip(b"\n")) == (7, Change(VS, "a", Entry("a", {"port": "80"})))
    assert decode_record(line.replace(b'"80"', b'"81"')) is None
    assert decode_record(line[:-10]) is None


def test_generations_must_follow(tmp_path: Path) -> None:
    data, store = opened(tmp_path)
    put(store, "a")
    with pytest.raises(PersistError):
        data.record(5, Change(VS, "b", Entry("b")))
    with pytest.raises(PersistError):
        data.replace(1, ConfigTree())
    data.close()


def test_torn_last_line_ignored_and_truncated(tmp_path: Path) -> None:
    data, store = opened(tmp_path)
    for i in range(4):
        put(store, f"vs{i}", port=str(i))
    data.close()
    good = (tmp_path / JOURNAL).read_bytes()
    full = encode_record(5, Change(VS, "vs4", Entry("vs4", {"port": "4"})))
    for torn in (full[:25], full[:-1], b"\x00" * 40):  # no newline: a write cut short, never acknowledged
        (tmp_path / JOURNAL).write_bytes(good + torn)
        tree, gen = reload(tmp_path)
        assert gen == 4 and tree == store.tree
        assert (tmp_path / JOURNAL).read_bytes() == good  # cut off by the open
        assert (tmp_path / TORN).read_bytes() == torn  # and kept aside
    # a complete last line that is not intact was acknowledged, then damaged: refused, nothing cut
    for damaged in (full.replace(b'"4"}', b'"5"}'), b"{not json\n"):
        (tmp_path / JOURNAL).write_bytes(good + damaged)
        with DataDir(tmp_path) as data, pytest.raises(CorruptDataDir, match=r"journal.jsonl:5: damaged record"):
            data.load()
        assert (tmp_path / JOURNAL).read_bytes() == good + damaged
    # and the next commit appends cleanly after the repair
    (tmp_path / JOURNAL).write_bytes(good + full[:30])
    data, store2 = opened(tmp_path)
    put(store2, "vs4", port="4")
    data.close()
    tree, gen = reload(tmp_path)
    assert gen == 5 and list(tree.table(VS).entries) == ["vs0", "vs1", "vs2", "vs3", "vs4"]


def test_corrupt_middle_line_raises(tmp_path: Path) -> None:
    data, store = opened(tmp_path)
    for i in range(4):
        put(store, f"vs{i}", port=str(i))
    data.close()
    lines = journal_lines(tmp_path)
    lines[1] = lines[1].replace(b'"port":"1"', b'"port":"7"')
    (tmp_path / JOURNAL).write_bytes(b"".join(lines))
    with DataDir(tmp_path) as data:
        with pytest.raises(CorruptDataDir, match=r"journal.jsonl:2") as info:
            data.load()
    assert isinstance(info.value, AdcError)
    # a torn line followed by more data is damage too, not a crash
    lines = journal_lines(tmp_path)
    (tmp_path / JOURNAL).write_bytes(lines[0][:-1] + b"".join(lines[1:]))
    with DataDir(tmp_path) as data, pytest.raises(CorruptDataDir):
        data.load()


def test_generation_gap_and_bad_snapshot_raise(tmp_path: Path) -> None:
    data, store = opened(tmp_path)
    for i in range(4):
        put(store, f"vs{i}")
    data.close()
    lines = journal_lines(tmp_path)
    (tmp_path / JOURNAL).write_bytes(lines[0] + b"".join(lines[2:]))
    with DataDir(tmp_path) as data, pytest.raises(CorruptDataDir, match="does not follow"):
        data.load()
    (tmp_path / SNAPSHOT).write_text('{"format": 1, "generation": ')
    with DataDir(tmp_path) as data, pytest.raises(CorruptDataDir, match="snapshot"):
        data.load()


def test_leftover_tmp_ignored(tmp_path: Path) -> None:
    data, store = opened(tmp_path)
    put(store, "a", port="1")
    data.close()
    (tmp_path / SNAPSHOT_TMP).write_text('{"format": 1, "generation": 99, "tr')
    tree, gen = reload(tmp_path)
    assert gen == 1 and tree == store.tree
    assert not (tmp_path / SNAPSHOT_TMP).exists()


def test_crash_between_snapshot_and_truncation(tmp_path: Path) -> None:
    data, store = opened(tmp_path)
    for i in range(3):
        put(store, f"vs{i}", port=str(i))
    stale = (tmp_path / JOURNAL).read_bytes()
    data.compact()
    data.close()
    (tmp_path / JOURNAL).write_bytes(stale)  # as if the truncation never happened
    tree, gen = reload(tmp_path)
    assert gen == 3 and tree == store.tree
    assert (tmp_path / JOURNAL).read_bytes() == b""
    (tmp_path / JOURNAL).write_bytes(stale)
    data, store2 = opened(tmp_path)  # stale lines followed by new ones also load
    put(store2, "vs9", port="9")
    data.close()
    tree, gen = reload(tmp_path)
    assert gen == 4 and list(tree.table(VS).entries) == ["vs0", "vs1", "vs2", "vs9"]


def test_compaction_keeps_content(tmp_path: Path) -> None:
    data, store = opened(tmp_path, compact_every=10)
    for i in range(25):
        put(store, f"vs{i}", port=str(i))
        if i % 4 == 0:
            store.commit(Change(VS, f"vs{i // 2}", None))
    data.close()
    snap = json.loads((tmp_path / SNAPSHOT).read_text())
    assert snap["format"] == FORMAT and snap["generation"] == 30
    assert len(journal_lines(tmp_path)) == store.generation - 30 < 10
    tree, gen = reload(tmp_path)
    assert gen == store.generation and tree == store.tree


def test_lock_refuses_second_opener(tmp_path: Path) -> None:
    first = DataDir(tmp_path)
    with pytest.raises(DataDirInUse, match=f"data directory {tmp_path} is in use by another adc process") as info:
        DataDir(tmp_path)
    assert isinstance(info.value, AdcError)
    first.close()
    with pytest.raises(PersistError, match="closed"):
        first.load()
    DataDir(tmp_path).close()


class Crash(Exception):
    pass


class CrashingOs:
    """Stands in for ``os`` inside persist.py and "crashes" (raises) at its n-th write-side call."""

    CALLS = ("open", "write", "fsync", "fdatasync", "replace", "ftruncate")

    def __init__(self, crash_at: int) -> None:
        self.crash_at = crash_at
        self.calls = 0

    def __getattr__(self, name: str) -> object:
        real = getattr(os, name)
        if name not in self.CALLS:
            return real

        def call(*args: object) -> object:
            self.calls += 1
            if self.calls == self.crash_at:
                raise Crash(name)
            return real(*args)
        return call


def test_crash_at_every_write_side_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deterministic fault injection: whichever call a crash interrupts, the directory loads as the
    state before the interrupted operation or after it, and stays usable."""
    last = 40
    model = ConfigStore(ConfigTree())
    expected = {0: model.tree.copy()}
    while model.generation < last:
        worker.step(model)
        expected[model.generation] = model.tree.copy()
    crashes = 0
    for crash_at in range(1, 1000):
        d = tmp_path / f"run{crash_at}"
        data, store = opened(d, compact_every=3, sync=crash_at % 2 == 0)
        fake = CrashingOs(crash_at)
        monkeypatch.setattr(persist, "os", fake)
        before = store.generation
        try:
            while store.generation < last:
                before = store.generation
                worker.step(store)
        except Crash:
            crashes += 1
        finally:
            monkeypatch.setattr(persist, "os", os)
            data.close()
        if fake.calls < crash_at:
            break  # the whole run went through without reaching the crash point
        data, store = opened(d, compact_every=3)
        assert store.generation in (before, before + 1), crash_at
        assert store.tree == expected[store.generation], crash_at
        while store.generation < last:
            worker.step(store)
        data.close()
        tree, gen = reload(d)
        assert gen == last and tree == expected[last]
        shutil.rmtree(d)
    assert crashes > 50 and crash_at < 999


def test_kill_minus_nine(tmp_path: Path) -> None:
    """Children commit in a loop and get SIGKILLed at seeded points; every load is old-or-new, never broken."""
    d = tmp_path / "data"
    rng = random.Random(20240607)
    model = ConfigStore(ConfigTree())  # the expected tree, advanced generation by generation
    with DataDir(d) as data:
        data.load_or_init(ConfigTree)
    gen = 0
    kills = newer = 0
    for run in range(36):
        lines_wanted = rng.randint(0, 3) if run % 6 == 5 else rng.randint(1, 90)
        sync = "1" if run % 3 == 0 else "0"
        with subprocess.Popen(
            [sys.executable, str(WORKER), str(d), sync, "5", "20000"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
        ) as child:
            assert child.stdout is not None and child.stderr is not None
            out = b""
            for _ in range(lines_wanted):
                line = child.stdout.readline()
                if not line:
                    break
                out += line
            child.send_signal(signal.SIGKILL)
            out += child.stdout.read()
            err = child.stderr.read()
            rc = child.wait(timeout=20)
        assert rc == -signal.SIGKILL, (rc, err.decode())
        kills += 1

        printed = [int(x) for x in out.split(b"\n")[:-1]]  # complete lines only
        assert printed == list(range(gen + 1, gen + 1 + len(printed))), "child must continue from what it loaded"
        reported = printed[-1] if printed else gen

        check = tmp_path / f"check{run}"  # load a copy, so the next child repairs the original itself
        shutil.copytree(d, check)
        loaded = reload(check)
        shutil.rmtree(check)
        gen = loaded[1]
        assert gen in (reported, reported + 1), (run, reported, gen)
        newer += gen == reported + 1
        while model.generation < gen:
            worker.step(model)
        assert loaded[0] == model.tree, (run, gen)
    assert kills >= 30
    assert gen > 100  # the children really made progress
    print(f"{kills} kills, final generation {gen}, {newer} loads one past the last reported")
