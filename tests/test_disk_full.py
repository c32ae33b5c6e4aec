"""A full disk never loses configuration nor takes the appliance down (issue: hardening, point 1).

The data directory lives on a small tmpfs the test mounts (root only; CI runs as root). The disk is
filled with a filler file; commits then fail with -26 and change nothing, in memory or on disk;
compaction waits for room; a restart on the still-full disk works; freeing space lets commits through
again; and no unacknowledged commit ever appears after a restart.
"""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from adc.appliance import Appliance
from adc.config.persist import JOURNAL, SNAPSHOT, DataDir, SaveFailed
from adc.config.store import Change, ConfigStore
from adc.config.tree import ConfigTree, Entry

VS = ("load-balance", "virtual-server")
ROOT = Path(__file__).resolve().parent.parent
BIG = "x" * 700  # a record of about 800 bytes: a few fill a tmpfs page
FQDN = "a" * 250 + ".test"  # the longest text a real server takes: a record of about 350 bytes
ADC = str(Path(sys.executable).with_name("adc"))


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(disk: Path) -> Path:
    """Fill the disk to the last byte with a filler file; returns it."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (65536, 4096, 512, 64, 1):
            for _ in range(10_000):  # bounded: 2 MiB at most
                try:
                    if os.write(fd, b"\0" * size) < size:
                        break
                except OSError as err:
                    assert err.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)
    return filler


def put(store: ConfigStore, name: str) -> None:
    store.commit(Change(VS, name, Entry(name, {"comments": BIG})))


def commit_until_refused(store: ConfigStore, data: DataDir, first: int, limit: int = 200) -> list[str]:
    """Commit big entries until one is refused; checks the refusal changed nothing. Returns the names
    acknowledged."""
    acked: list[str] = []
    for i in range(first, first + limit):
        name = f"vs{i}"
        gen, tree, size = store.generation, store.tree.copy(), (data.path / JOURNAL).stat().st_size
        try:
            put(store, name)
        except SaveFailed as err:
            assert err.code == -26 and "could not be saved" in err.reason and "No space left" in err.reason
            assert store.generation == gen and store.tree == tree  # nothing changed in memory
            assert (data.path / JOURNAL).stat().st_size == size  # nor on disk
            return acked
        acked.append(name)
    raise AssertionError(f"no commit was refused in {limit} tries")


def saved(path: Path) -> tuple[list[str], int]:
    with DataDir(path) as data:
        loaded = data.load()
    assert loaded is not None
    tree, gen = loaded
    return list(tree.table(VS).entries), gen


def test_a_full_disk_refuses_commits_and_loses_nothing(disk: Path) -> None:
    d = disk / "data"
    data = DataDir(d, compact_every=10)
    tree, gen = data.load_or_init(ConfigTree)
    store = ConfigStore(tree, data, gen)
    names = [f"vs{i}" for i in range(3)]
    for n in names:
        put(store, n)
    filler = fill(disk)
    names += commit_until_refused(store, data, 3)
    assert saved_after_restart(data, d) == (names, len(names))  # the refused commit is not there

    # a restart on the still-full disk works, and commits are refused, not a crash
    data = DataDir(d, compact_every=10)
    tree, gen = data.load_or_init(ConfigTree)
    store = ConfigStore(tree, data, gen)
    assert list(store.tree.table(VS).entries) == names
    names += commit_until_refused(store, data, 100)

    # room again: commits go through, and the overdue compaction happens
    filler.unlink()
    for i in range(200, 204):
        put(store, f"vs{i}")
        names.append(f"vs{i}")
    assert len((d / JOURNAL).read_bytes().splitlines()) < 10
    assert saved_after_restart(data, d) == (names, store.generation)


def saved_after_restart(data: DataDir, path: Path) -> tuple[list[str], int]:
    data.close()
    return saved(path)


def test_compaction_without_room_leaves_the_commit_acknowledged(disk: Path) -> None:
    """The commit that makes compaction due succeeds even when the snapshot cannot be written."""
    d = disk / "data"
    data = DataDir(d, compact_every=5)
    tree, gen = data.load_or_init(ConfigTree)
    store = ConfigStore(tree, data, gen)
    for i in range(4):
        put(store, f"vs{i}")
    snapshot = (d / SNAPSHOT).read_bytes()
    filler = fill(disk)
    os.truncate(filler, filler.stat().st_size - 8192)  # room for records, not for a snapshot
    put(store, "vs4")  # the 5th record: compaction is due and skipped
    assert store.generation == 5
    assert (d / SNAPSHOT).read_bytes() == snapshot and not (d / "config.json.tmp").exists()
    put(store, "vs5")  # the generation count stays in step (the 2,000th-commit bug)
    filler.unlink()
    for i in range(6, 9):
        put(store, f"vs{i}")
    assert (d / SNAPSHOT).read_bytes() != snapshot  # tried again once there was room
    assert saved_after_restart(data, d) == ([f"vs{i}" for i in range(9)], 9)


def test_the_console_says_so_and_carries_on(disk: Path) -> None:
    app = Appliance(disk / "box")
    s = app.session()
    try:
        assert not s.execute("config load-balance real-server").failed
        filler = fill(disk)
        refused = None
        for i in range(200):
            for line in (f"edit rs{i}", "set type fqdn", f"set fqdn {FQDN}"):
                assert not s.execute(line).failed
            r = s.execute("next")
            if r.failed:
                refused = i
                assert "could not be saved" in r.error and r.error.endswith("Command fail. Return code is -26\n")
                break
        assert refused is not None
        assert s.execute("end").output == ""
        assert f'edit "rs{refused}"' not in "\n".join(s.show_all())
        filler.unlink()
        ok = [s.execute(line) for line in ("config load-balance real-server", f"edit rs{refused}",
                                            "set ip 10.9.9.9", "end")]
        assert not any(r.failed for r in ok), [r.error for r in ok]
    finally:
        app.close()
    again = Appliance(disk / "box")
    try:
        shown = "\n".join(again.session().show_all())
        assert f'edit "rs{refused}"' in shown and "10.9.9.9" in shown
    finally:
        again.close()


def test_a_headless_appliance_on_a_full_disk_reports_and_goes_on(disk: Path) -> None:
    box = disk / "box"
    Appliance(box).close()  # first start: the factory files are made while there is room
    filler = fill(disk)
    script = "".join(f"config load-balance real-server\nedit rs{i}\nset type fqdn\nset fqdn {FQDN}\nend\n"
                     for i in range(40)) + "get system status\n"
    run = subprocess.run([ADC, "--data-dir", str(box), "--no-serve"], input=script,
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "Traceback" not in run.stderr
    assert run.returncode == 1 and "Return code is -26" in run.stderr
    assert "Hostname" in run.stdout  # the lines after the refusals still ran
    filler.unlink()
    names, _ = saved(box)
    assert all(n.startswith("rs") for n in names)
    refused = [line for line in run.stderr.splitlines() if line.startswith("line ")]
    assert refused and len(names) < 40


def test_listeners_serve_on_while_commits_are_refused(disk: Path) -> None:
    from .dataplane_helpers import backends, connect, echo, free_port, pool_script, recv_until, run, vs_ip, vs_script

    with backends(echo(b"hello ")) as (backend,):
        app = Appliance(disk / "box", serve=True)
        try:
            s = app.session()
            ip, port = vs_ip(), free_port()
            run(s, pool_script("p", [backend.port]) + "\n" + vs_script("vs1", ip, port, "p"))
            filler = fill(disk)
            refused = None
            for i in range(200):
                replies = [s.execute(line) for line in ("config load-balance real-server", f"edit x{i}", "set type fqdn",
                                                        f"set fqdn {FQDN}", "end")]
                if replies[-1].failed:
                    refused = i
                    break
            assert refused is not None and "Return code is -26" in replies[-1].error
            with connect(ip, port) as conn:  # the virtual server serves on
                conn.sendall(b"ping")
                assert recv_until(conn, b"ping").startswith(b"hello ping")
            filler.unlink()
            run(s, "config load-balance real-server\nedit x-after\nset ip 10.1.2.3\nend")
        finally:
            app.close()


def test_a_certificate_that_cannot_be_stored_fails_the_line_only(disk: Path) -> None:
    app = Appliance(disk / "box")
    try:
        s = app.session()
        filler = fill(disk)
        r = s.execute("execute certificate local generate c1 RSA 2048 c1.test US CA SF Org Unit a@b.test")
        assert r.failed and r.error.endswith("Command fail. Return code is -26\n"), r.error
        assert "No space left" in r.error
        assert "c1" not in s.execute("get system certificate local").output
        filler.unlink()
        assert not s.execute("execute certificate local generate c1 RSA 2048 c1.test US CA SF Org Unit a@b.test").failed
        assert "== [ c1 ]" in s.execute("get system certificate local").output
    finally:
        app.close()
