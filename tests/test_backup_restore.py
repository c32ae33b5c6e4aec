"""A real box's backup restores line for line (issue 9, point 3).

The backups are built for the format, not copied from one file: ``backup_gen`` writes a configuration
holding every table of the schema (an entry in each, every attribute in force given a value, the
predefined entries with all their values) the way a real FortiADC 7.4 writes its backup, independently
of the appliance's own ``show``; ``fixtures/backups/`` holds hand-written backups in that format. Each is
applied by ``execute restore config`` and by replaying it as a script, with no failing line, and
``show full-configuration`` afterwards prints every line of it.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from adc.appliance import Appliance
from adc.engine.context import declares_vdoms
from adc.engine.script import run_lines
from adc.engine.session import Session
from adc.schema import SCHEMA

from . import backup_gen

BACKUPS = Path(__file__).resolve().parent.parent / "fixtures" / "backups"


@pytest.fixture(scope="module")
def backup() -> list[str]:
    s = backup_gen.everything()
    return backup_gen.write(SCHEMA, s.store.tree, s.view)


def body(lines: list[str]) -> list[str]:
    return [line for line in lines if line and not line.startswith("#")]


def restore(app: Appliance, name: str, lines: list[str], newline: str = "\n") -> Session:
    (app.files_dir).mkdir(parents=True, exist_ok=True)
    (app.files_dir / name).write_bytes((newline.join(lines) + newline).encode())
    s = app.session()
    assert s.execute(f"execute restore config {name}").output.startswith("This operation will replace")
    r = s.execute("y")
    assert (r.output, r.error) == ("Configuration restored.\n", ""), r.error
    return s


def replay(lines: list[str]) -> Session:
    s = Appliance(None).session()
    bad = [(r.lineno, r.line, r.reply.error) for r in run_lines(s, lines) if r.reply.failed]
    assert not bad, bad[:5]
    return s


def is_subsequence(part: list[str], whole: list[str]) -> list[str]:
    """The lines of ``part`` not found, in order, in ``whole`` (empty when all are)."""
    it = iter(whole)
    return [line for line in part if not any(line == w for w in it)]


# ---------------------------------------------------------------------------------------- generated
def test_the_generated_backup_covers_every_table(backup: list[str]) -> None:
    assert backup[0].startswith("#config-version=")
    for t in SCHEMA.tables:
        assert f"config {' '.join(t.path)}" in backup
    for needle in ('  edit "LB_PROF_TCP"', '  edit "LB_HLTHCK_HTTP"', '  edit "High-Level-Security"',
                   '  edit "LB_CONNECTION_POOL_DEFAULT"', "    config  pool_member"):
        assert needle in backup, needle
    assert any(line.strip().startswith("unset ") for line in backup)
    assert any(" ENC " in line for line in backup)
    assert len(backup) > 4000


def test_the_appliance_writes_the_same_backup(tmp_path: Path) -> None:
    """``execute backup config`` of the same configuration writes the generated text (the header aside);
    the same store, since each appliance encrypts a secret with its own nonce."""
    s = backup_gen.everything()
    backup = backup_gen.write(SCHEMA, s.store.tree, s.view)
    app = s.app
    assert isinstance(app, Appliance)
    assert s.execute("execute backup config mine.conf").output == "Configuration saved to mine.conf\n"
    mine = (app.files_dir / "mine.conf").read_text().splitlines()
    assert mine[0].startswith("#config-version=")
    assert mine[1:] == body(backup)


def test_the_generated_backup_restores_line_for_line(backup: list[str], tmp_path: Path) -> None:
    app = Appliance(tmp_path / "d", sync=False)
    try:
        s = restore(app, "full.conf", backup, newline="\r\n")  # as saved on a Windows TFTP server
        assert s.show_all(full=True) == body(backup)
    finally:
        app.close()
    again = Appliance(tmp_path / "d", sync=False)  # and it is what the data directory holds
    try:
        assert again.session().show_all(full=True) == body(backup)
    finally:
        again.close()


def test_a_backup_saved_with_a_byte_order_mark_restores(tmp_path: Path) -> None:
    app = Appliance(tmp_path / "d", sync=False)
    try:
        lines = (BACKUPS / "real-format.conf").read_text().splitlines()
        s = restore(app, "bom.conf", ["\ufeff" + lines[0], *lines[1:]], newline="\r\n")
        assert is_subsequence(body(lines), s.show_all(full=True)) == []
    finally:
        app.close()


def test_the_generated_backup_replays_as_a_script(backup: list[str]) -> None:
    s = replay(backup)
    assert s.show_all(full=True) == body(backup)
    # plain show is what differs from the factory: replayed on a fresh box, it gives the same state
    assert replay(s.show_all()).show_all(full=True) == body(backup)


def test_a_grown_backup_restores(backup: list[str]) -> None:
    big = backup_gen.grow(backup, 6000)
    assert len(big) >= 6000
    s = replay(big)
    assert is_subsequence(body(big), s.show_all(full=True)) == []
    assert len(s.store.tree.table(("load-balance", "virtual-server"))) > (6000 - len(backup)) // 20


# ---------------------------------------------------------------------------------------- hand-written
@pytest.mark.parametrize("path", sorted(BACKUPS.glob("*.conf")), ids=lambda p: p.name)
def test_a_hand_written_backup_restores(path: Path, tmp_path: Path) -> None:
    lines = path.read_text().splitlines()
    app = Appliance(tmp_path / "d", sync=False)
    try:
        s = restore(app, path.name, lines)
        full = s.show_all(full=True)
        assert is_subsequence(body(lines), full) == []
    finally:
        app.close()
    # a script replays on a box in the backup's VDOM mode (a box without VDOMs has no wrappers)
    vdoms = ["config system global", "set vdom-admin enable", "end"] if declares_vdoms(lines) else []
    assert is_subsequence(body(lines), replay(vdoms + lines).show_all(full=True)) == []


def test_a_backup_with_vdoms_restores_and_is_written_back(tmp_path: Path) -> None:
    """CLI744 Appendix A: with vdom-admin enabled a box writes `config global` ... `end` and `config vdom`
    `edit root` ... `next` `end`; FortiOS-style files also declare the VDOMs first (`config vdom` `edit root`
    `next` `end`). Such a file restores on a box without VDOMs (the header turns VDOM mode on), `show
    full-configuration` gives it back in its wrappers, and the appliance's own backup restores identically."""
    lines = (BACKUPS / "vdom-format.conf").read_text().splitlines()
    declared = lines[:4] + ["config vdom", "edit root", "next", "end"] + lines[4:]
    app = Appliance(tmp_path / "d", sync=False)
    try:
        s = restore(app, "vdom.conf", declared)
        full = s.show_all(full=True)
        assert full[0] == "config global"
        assert is_subsequence(body(lines), full) == []
        glob = full[: full.index("config vdom")]
        assert "config system interface" in glob and "config load-balance pool" not in glob
        assert full[full.index("config vdom") + 1] == "edit root" and full[-2:] == ["next", "end"]
        assert s.prompt == "ADC-VDOM-01 # "
        assert s.execute("config load-balance pool").failed  # VDOM mode: only the wrappers at the top
        assert "global" in s.help("config ") and "vdom" in s.help("config ")
        assert s.execute("execute backup config mine.conf").output
        mine = (app.files_dir / "mine.conf").read_text().splitlines()
        assert ":vdom=1:" in mine[0] and mine[1:] == full
    finally:
        app.close()
    fresh = Appliance(tmp_path / "e", sync=False)
    try:
        assert restore(fresh, "mine.conf", mine).show_all(full=True) == full
    finally:
        fresh.close()


def test_vdom_wrappers_in_the_console() -> None:
    """The prompts of CLI744 Appendix A: (global), (vdom), (root); one VDOM here: another name is -14."""
    s = Appliance(None).session()
    assert s.execute("config global").failed  # no wrappers while VDOMs are off
    for line in ("config system global", "set vdom-admin enable", "end"):
        assert not s.execute(line).failed
    prompts = []
    for line in ("config global", "config system global", "end", "config system interface", "edit port1", "end",
                 "end", "config vdom", "edit root", "config load-balance real-server", "edit rs1",
                 "set ip 10.9.9.9", "next", "end", "next", "edit root", "end"):
        r = s.execute(line)
        assert not r.failed, (line, r.error)
        prompts.append(s.prompt)
    assert prompts[:3] == ["FortiADC-VM (global) # ", "FortiADC-VM (global) # ", "FortiADC-VM (global) # "]
    assert prompts[7:9] == ["FortiADC-VM (vdom) # ", "FortiADC-VM (root) # "]
    assert prompts[-3:] == ["FortiADC-VM (vdom) # ", "FortiADC-VM (root) # ", "FortiADC-VM # "]
    assert "10.9.9.9" in s.execute("show load-balance real-server rs1").output
    s.execute("config vdom")
    r = s.execute("edit docs-vdom")
    assert r.failed and "Return code is -14" in r.error
    assert [c.word for c in s.complete("edit ")] == ["root"]


# ---------------------------------------------------------------------------------------- predefined
def test_predefined_entries_with_their_factory_values_are_accepted() -> None:
    s = Appliance(None).session()
    factory = s.show_all(full=True)
    assert '  edit "LB_PROF_HTTP"' in factory and '  edit "LB_METHOD_ROUND_ROBIN"' in factory
    s2 = replay(factory)  # every predefined entry, re-entered with all its values
    assert s2.show_all(full=True) == factory
    assert s2.show_all() == s.show_all()  # nothing differs from the factory
    assert '  edit "LB_PROF_HTTP"' not in s.show_all()


def test_changing_what_the_factory_fixes_is_refused() -> None:
    """-41 at the commit (the entry opens; the box refuses to save a change); nothing is changed."""
    s = Appliance(None).session()
    for line in ("config system certificate local", "edit www", "next", "end"):
        assert not s.execute(line).failed
    before = s.show_all(full=True)
    for block in (["config load-balance profile", "edit LB_PROF_HTTP", "set type tcp", "next"],
                  ["config load-balance method", "edit LB_METHOD_ROUND_ROBIN", "set type least-connection", "next"],
                  ["config security waf action", "edit deny", "set type pass", "next"],
                  ["config system health-check", "edit LB_HLTHCK_ICMP", "set type tcp", "next"],
                  ["config system certificate local_cert_group", "edit LOCAL_CERT_GROUP", "config group_member",
                   "edit 1", "set local-cert www", "next", "end", "next"],
                  ["config system certificate local_cert_group", "edit LOCAL_CERT_GROUP", "config group_member",
                   "edit 2", "set local-cert www", "next", "end", "next"]):
        for line in block[:-1]:
            assert not s.execute(line).failed, line
        r = s.execute(block[-1])
        assert r.failed and r.error.splitlines()[-1] == "Command fail. Return code is -41", (block, r.error)
        s.execute("end")
    assert s.show_all(full=True) == before
    assert s.execute("config load-balance profile").output == ""
    assert s.execute("delete LB_PROF_HTTP").error.splitlines()[-1] == "Command fail. Return code is -42"


def test_a_backup_changing_a_predefined_entry_is_refused_by_line(tmp_path: Path) -> None:
    app = Appliance(tmp_path / "d", sync=False)
    try:
        s = app.session()
        lines = ["#config-version=FADV0H-7.04-FW-build0430-240531:opmode=0:vdom=0:user=admin",
                 "config load-balance persistence", '  edit "LB_PERSIS_SRC_ADDR"', "    set type hash-cookie",
                 "  next", "end"]
        app.files_dir.mkdir(parents=True, exist_ok=True)
        (app.files_dir / "bad.conf").write_text("\n".join(lines) + "\n")
        s.execute("execute restore config bad.conf")
        r = s.execute("y")
        assert r.failed and r.error.splitlines()[0] == "restore: line 5", r.error
        assert "Command fail. Return code is -41" in r.error
    finally:
        app.close()


def test_show_prints_a_predefined_entry_only_where_it_differs() -> None:
    """A value other than its type (a predefined profile's timeouts) is taken from a backup, which holds
    the box's own factory values; plain ``show`` then prints just that difference, and it replays."""
    s = Appliance(None).session()
    for line in ("config load-balance profile", 'edit "LB_PROF_TCP"', "set timeout_tcp_session 200", "next", "end"):
        assert not s.execute(line).failed, line
    shown = s.execute("show load-balance profile").output.splitlines()
    assert shown == ["config load-balance profile", '  edit "LB_PROF_TCP"', "    set timeout_tcp_session 200",
                     "  next", "end"]
    assert replay(s.show_all()).show_all(full=True) == s.show_all(full=True)
