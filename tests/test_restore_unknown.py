"""Lines a known table's entry holds that adc does not know (issue 9 point 3: a newer firmware's backup,
or attributes the CLI Reference omits): in ``execute restore config`` an unknown attribute's ``set`` /
``unset`` line and an unknown nested ``config`` block are kept as text on their entry, with a notice; the
configuration prints them back, a backup holds them, a restart keeps them. At the console and in a script
replay they stay errors, as on the box.
"""
from __future__ import annotations

from pathlib import Path

from adc.appliance import Appliance
from adc.engine.script import run_lines

HEADER = "#config-version=FADV0H-7.04-FW-build0430-240531:opmode=0:vdom=0:user=admin"

GLOBAL = ["config system global", '  set hostname "edge1"', "  set newer-knob enable", "  unset other-knob", "end"]
REAL_SERVER = ["config load-balance real-server", '  edit "rs1"', "    set ip 192.0.2.5", "  next", "end"]
POOL = ["config load-balance pool", '  edit "p1"', "    config  pool_member", "      edit 1",
        '        set real-server "rs1"', "        set member-weight-x 7", '        set member-tag "blue"',
        "      next", "    end", "  next", "end"]
VS_KEPT = ['    set foo "bar baz"', '    set fancy-list "a" "b" ', "    unset gone-knob"]
VS_NESTED = ["    config  newer-table", "      edit 1", "        set x 1", "        config  deeper",
             "          edit 2", "          next", "        end", "      next", "    end"]
VS = ["config load-balance virtual-server", '  edit "vs1"', "    set status disable",
      "    set type l4-load-balance", "    set ip 127.0.220.9", "    set port 8080",
      *VS_KEPT[:2], "    set load-balance-profile LB_PROF_TCP",
      "    set load-balance-method LB_METHOD_ROUND_ROBIN", '    set load-balance-pool "p1"', VS_KEPT[2],
      *VS_NESTED, "  next", "end"]
BACKUP = [HEADER, *GLOBAL, *REAL_SERVER, *POOL, *VS]

NOTICE = [
    "restore: system global: attribute 'newer-knob' is not known to adc: kept as text",
    "restore: system global: attribute 'other-knob' is not known to adc: kept as text",
    "restore: load-balance pool pool_member: attribute 'member-weight-x' is not known to adc: kept as text",
    "restore: load-balance pool pool_member: attribute 'member-tag' is not known to adc: kept as text",
    "restore: load-balance virtual-server: attribute 'foo' is not known to adc: kept as text",
    "restore: load-balance virtual-server: attribute 'fancy-list' is not known to adc: kept as text",
    "restore: load-balance virtual-server: attribute 'gone-knob' is not known to adc: kept as text",
    "restore: load-balance virtual-server: table 'newer-table' is not known to adc: kept as text",
]


def restore(app: Appliance, name: str, lines: list[str]) -> str:
    app.files_dir.mkdir(parents=True, exist_ok=True)
    (app.files_dir / name).write_text("\r\n".join(lines) + "\r\n")
    s = app.session()
    assert s.execute(f"execute restore config {name}").output.startswith("This operation will replace")
    r = s.execute("y")
    assert (r.output, r.error) == ("Configuration restored.\n", ""), r.error
    return r.notice


def block(shown: list[str], head: str, start: int = 0) -> list[str]:
    """The lines of the block opened by ``head`` up to its closing line at the same indentation."""
    i = shown.index(head, start)
    indent = head[: len(head) - len(head.lstrip())]
    close = indent + ("next" if head.lstrip().startswith("edit") else "end")
    return shown[i + 1: shown.index(close, i + 1)]


def is_subsequence(part: list[str], whole: list[str]) -> bool:
    it = iter(whole)
    return all(any(x == y for y in it) for x in part)


def test_unknown_lines_in_known_entries_restore_and_print_back(tmp_path: Path) -> None:
    app = Appliance(tmp_path / "d", sync=False)
    notice = restore(app, "box.conf", BACKUP)
    assert notice.splitlines() == NOTICE  # each named once, in the order met
    s = app.session()
    shown = s.execute("show full-configuration").output.splitlines()

    glob = block(shown, "config system global")
    assert "  set hostname edge1" in glob and glob[-2:] == ["  set newer-knob enable", "  unset other-knob"]

    member = block(block(shown, "config load-balance pool"), "      edit 1")
    assert member[-2:] == ["        set member-weight-x 7", '        set member-tag "blue"']

    vs = block(shown, '  edit "vs1"', shown.index("config load-balance virtual-server"))
    # the kept set/unset lines end the attributes (before any known nested table), as given
    first_config = next((i for i, l in enumerate(vs) if l.startswith("    config  ")), len(vs))
    assert vs[first_config - 3: first_config] == ['    set foo "bar baz"', '    set fancy-list "a" "b" ',
                                                 "    unset gone-knob"]
    assert vs[-len(VS_NESTED):] == VS_NESTED  # the unknown nested block after the known ones
    # every line of the backup is printed back
    plain = {l.replace('"', "") for l in shown}  # adc quotes a reference or a name as the box does
    assert [l for l in BACKUP[1:] if l.replace('"', "") not in plain] == []

    # a backup written now holds them and restores again to the same configuration
    assert s.execute("execute backup config mine.conf").output
    mine = (app.files_dir / "mine.conf").read_text().splitlines()
    fresh = Appliance(tmp_path / "f", sync=False)
    assert restore(fresh, "mine.conf", mine).splitlines() == NOTICE
    assert fresh.session().execute("show full-configuration").output.splitlines() == shown

    fresh.close()
    app.close()
    # a restart keeps them (the data directory holds them with their entries)
    again = Appliance(tmp_path / "d", sync=False)
    try:
        assert again.session().execute("show full-configuration").output.splitlines() == shown
    finally:
        again.close()


def test_plain_show_and_get_print_the_kept_lines(tmp_path: Path) -> None:
    app = Appliance(tmp_path / "d", sync=False)
    restore(app, "box.conf", BACKUP)
    s = app.session()
    vs = s.execute("show load-balance virtual-server vs1").output.splitlines()
    assert is_subsequence([*VS_KEPT, *VS_NESTED], vs)
    got = s.execute("get load-balance virtual-server vs1").output.splitlines()
    assert "foo                 : \"bar baz\"" in got and "gone-knob           :" in got
    app.close()


def test_the_console_refuses_unknown_lines_and_keeps_the_kept_ones(tmp_path: Path) -> None:
    app = Appliance(tmp_path / "d", sync=False)
    restore(app, "box.conf", BACKUP)
    s = app.session()
    for line in ("config load-balance virtual-server", "edit vs1"):
        assert not s.execute(line).failed
    assert s.execute("set other 1").error == "Parsing error at 'other'. err=1\n"  # refused, as on the box
    assert s.execute("set foo 2").failed  # a kept name is no attribute either
    assert s.execute("config newer-table").failed
    assert s.execute("unset never-kept").failed
    assert not s.execute("set comments hello").failed  # a known attribute: the kept lines stay
    assert not s.execute("unset foo").failed  # a kept line goes with unset
    for line in ("next", "end"):
        assert not s.execute(line).failed
    vs = s.execute("show load-balance virtual-server vs1").output.splitlines()
    assert "    set comments hello" in vs and '    set foo "bar baz"' not in vs
    assert is_subsequence([*VS_KEPT[1:], *VS_NESTED], vs)
    app.close()
    again = Appliance(tmp_path / "d", sync=False)  # the change is saved as any other
    try:
        assert again.session().execute("show load-balance virtual-server vs1").output.splitlines() == vs
    finally:
        again.close()


def test_a_script_replay_refuses_unknown_lines() -> None:
    s = Appliance(None).session()
    results = list(run_lines(s, BACKUP))
    failed = {r.line.strip() for r in results if r.reply.failed}
    assert failed >= {"set newer-knob enable", "unset other-knob", "set member-weight-x 7", 'set foo "bar baz"',
                      "config  newer-table"}


def test_a_wrong_value_of_a_known_attribute_still_fails_the_restore(tmp_path: Path) -> None:
    app = Appliance(tmp_path / "d", sync=False)
    app.files_dir.mkdir(parents=True, exist_ok=True)
    bad = [l if l != "    set port 8080" else "    set port 99999" for l in BACKUP]
    (app.files_dir / "bad.conf").write_text("\n".join(bad) + "\n")
    s = app.session()
    s.execute("execute restore config bad.conf")
    r = s.execute("y")
    assert r.failed and r.error.startswith(f"restore: line {bad.index('    set port 99999') + 1}\n")
    assert "newer-knob" not in s.execute("show full-configuration").output  # nothing restored
    app.close()
