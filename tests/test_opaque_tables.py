"""Tables kept as text (issue 9 point 3): the tables a real 7.4 box writes into its backups that the CLI
Reference names without a syntax block, and in a restored backup the tables of a path adc does not know.

A backup holding a block of each restores with no failing line, and ``show full-configuration`` afterwards
prints every line of it back; at the console an unknown path stays a parse error.
"""
from __future__ import annotations

from pathlib import Path

from adc.appliance import Appliance
from adc.engine.frames import OpaqueFrame
from adc.engine.script import run_lines
from adc.schema import SCHEMA, corrections

HEADER = "#config-version=FADV0H-7.04-FW-build0430-240531:opmode=0:vdom=0:user=admin"

# One plausible block per table, as a box prints it: edit entries, nested config, unset, lists.
BLOCKS: dict[str, list[str]] = {
    "system alert-webhook": [
        '  edit "slack-ops"',
        '    set url "https://hooks.example.com/services/T000/B000"',
        "    set port 443",
        "    set method post",
        "    config  http-header",
        "      edit 1",
        '        set key "Content-Type"',
        '        set value "application/json"',
        "      next",
        "    end",
        "    unset comments",
        "  next",
    ],
    "system alert-script": ['  edit "restart-app"', '    set script "logger adc alert"', "  next"],
    "system alert-fortigate-ip-ban": [
        '  edit "fgt-edge"', "    set fortigate-ip 192.0.2.10", "    set port 443",
        "    set api-key ENC QUJDREVGRw==", '    set vdom "root"', "    unset comments", "  next"],
    "system tunneling": [
        '  edit "vx1"', "    set type vxlan", '    set interface "port1"', "    set remote-ip 192.0.2.20",
        "    set vni 100", "  next"],
    "system overlay-tunnel": [
        '  edit "ov1"', '    set interface "port2"', "    set destination-port 4789",
        "    config  remote-host", "      edit 1", "        set ip 198.51.100.7", "      next", "    end", "  next"],
    "system certificate ocsp": [
        '  edit "ocsp-ca1"', '    set ocsp-url "http://ocsp.example.com/"', "    unset ca-chain", "  next"],
    "log setting global_faz": [
        "  set status enable", "  set ip 192.0.2.30", "  set upload-option realtime", "  unset comment"],
    "log setting global_remote": [
        "  set status enable", "  config  server", "    edit 1", "      set ip 192.0.2.40", "      set port 514",
        "    next", "  end"],
    "log report email": [
        '  edit "weekly"', '    set email-subject "ADC weekly report"',
        '    set mail-to "admin@example.com" "ops@example.com" ', "    set email-attachment pdf", "  next"],
    "security waf scanner": [
        '  edit "scan-app"', '    set target-url "https://app.example.com/"', "    set scan-mode quick",
        "    config  custom-header", "      edit 1", '        set header "X-Scan: adc"', "      next", "    end",
        "  next"],
    "security waf data-leak-protection": [
        '  edit "dlp-cards"', '    set sensor "Credit_Card"', "    set action alert", "    set status enable",
        "  next"],
    "security ztna profile": [
        '  edit "ztna-staff"', "    set ztna-tag-match any", "    config  ztna-rule", "      edit 1",
        '        set ztna-tag "staff" "laptop" ', "        set action accept", "      next", "    end", "  next"],
}


def backup(blocks: dict[str, list[str]]) -> list[str]:
    return [HEADER, *(x for path, lines in blocks.items() for x in (f"config {path}", *lines, "end"))]


def restore(tmp_path: Path, lines: list[str]) -> tuple[Appliance, str]:
    app = Appliance(tmp_path / "d", sync=False)
    app.files_dir.mkdir(parents=True, exist_ok=True)
    (app.files_dir / "box.conf").write_text("\r\n".join(lines) + "\r\n")
    s = app.session()
    assert s.execute("execute restore config box.conf").output.startswith("This operation will replace")
    r = s.execute("y")
    assert (r.output, r.error) == ("Configuration restored.\n", ""), r.error
    return app, r.notice


def whole_block(shown: list[str], path: str) -> list[str]:
    """The lines of a table's block (up to the ``end`` at the left margin)."""
    start = shown.index(f"config {path}")
    return shown[start + 1: next(i for i in range(start + 1, len(shown)) if shown[i] == "end")]


def test_the_named_tables_are_kept_as_text() -> None:
    assert {" ".join(p) for p, _, _ in corrections.OPAQUE_TABLES} == set(BLOCKS)
    for name in BLOCKS:
        t = SCHEMA.table(tuple(name.split()))
        assert t is not None and t.opaque and not t.items, name


def test_a_backup_with_every_such_table_restores_line_for_line(tmp_path: Path) -> None:
    app, notice = restore(tmp_path, backup(BLOCKS))
    try:
        shown = app.session().show_all(full=True)
        for path, lines in BLOCKS.items():
            assert whole_block(shown, path) == lines, path
        assert notice == ""  # every one of these tables is in the schema
    finally:
        app.close()
    again = Appliance(tmp_path / "d", sync=False)  # and the data directory holds them
    try:
        s = again.session()
        shown = s.show_all(full=True)
        for path, lines in BLOCKS.items():
            assert whole_block(shown, path) == lines, path
        # a backup written now gives them back too, and replays on a fresh appliance
        assert s.execute("execute backup config mine.conf").output == "Configuration saved to mine.conf\n"
        mine = (again.files_dir / "mine.conf").read_text().splitlines()
        fresh = Appliance(None).session()
        assert [r.line for r in run_lines(fresh, mine) if r.reply.failed] == []
        assert fresh.show_all(full=True) == shown
    finally:
        again.close()


def test_the_console_edits_such_a_table_in_place() -> None:
    s = Appliance(None).session()
    for line in ["config system alert-webhook", 'edit "hook1"', "set port 80", 'set url "https://a.example.com/x y"',
                 "unset comments", "set port 443", "config  http-header", "edit 1", "set key X-Token", "next",
                 "end", "next", "end"]:
        r = s.execute(line)
        assert not r.failed, (line, r.error)
    assert s.execute("show system alert-webhook").output.splitlines() == [
        "config system alert-webhook", '  edit "hook1"', "    set port 443", '    set url "https://a.example.com/x y"',
        "    unset comments", "    config  http-header", "      edit 1", "        set key X-Token", "      next",
        "    end", "  next", "end"]
    assert s.execute("get system alert-webhook").output == "== [ hook1 ]\n"
    s.execute("config system alert-webhook")
    s.execute("edit hook1")
    assert s.prompt == "FortiADC-VM (hook1) # "
    assert isinstance(s.ctx.frame, OpaqueFrame)
    assert s.execute("get").output.splitlines()[:2] == ["port                : 443",
                                                        'url                 : "https://a.example.com/x y"']
    # ? says honestly that the attributes are not described; Tab offers the names already there
    listed = s.help("set ").splitlines()
    assert listed[0].split(None, 1) == ["<name>", "the CLI Reference does not describe the attributes of "
                                                  "system.alert-webhook: the lines are kept as typed"]
    assert [c.word for c in s.complete("set ")] == ["port", "url", "comments"]
    assert [c.word for c in s.complete("set p")] == ["port"]
    assert [c.word for c in s.complete("config ")] == ["http-header"]
    assert s.execute("set port 8443").failed is False
    assert s.execute("abort").failed is False  # discards the whole table's changes
    assert "set port 443" in s.execute("show system alert-webhook").output
    s.execute("config system alert-webhook")
    assert s.execute("delete nosuch").failed
    assert not s.execute("delete hook1").failed
    s.execute("end")
    assert s.execute("show system alert-webhook").output == "config system alert-webhook\nend\n"


def test_the_console_refuses_an_unknown_path() -> None:
    s = Appliance(None).session()
    for line in ["config system newer-table", "config newer-group thing", "config log setting global_nosuch"]:
        r = s.execute(line)
        assert r.failed and r.error == "Command fail. CLI parsing error\n", line
        assert s.ctx.frames == []
    assert not s.execute("config log report email").failed  # a table kept as text is known
    s.execute("end")
    assert not s.execute("get log report").failed  # its parent table still lists its entries


def test_a_restored_table_of_an_unknown_path_is_kept_with_a_notice(tmp_path: Path) -> None:
    newer = {
        "system newer-feature": ['  edit "n1"', "    set mode fast", "    config  items", "      edit 1",
                                 "        set weight 3", "      next", "    end", "    unset comments", "  next"],
        "router newer-protocol": ["  set status enable", "  set hello-interval 10"],
    }
    app, notice = restore(tmp_path, backup({"system alert-script": BLOCKS["system alert-script"], **newer}))
    try:
        assert notice == ("restore: table 'system newer-feature' is not known to adc: its lines are kept as text\n"
                          "restore: table 'router newer-protocol' is not known to adc: its lines are kept as text\n")
        s = app.session()
        shown = s.show_all(full=True)
        for path, lines in newer.items():
            assert whole_block(shown, path) == lines, path
        assert shown[-len(newer["router newer-protocol"]) - 2:][0] == "config router newer-protocol"  # last
        assert s.execute("config system newer-feature").failed  # still unknown at the console
        # a backup written now holds them, and restores again
        s.execute("execute backup config again.conf")
        mine = (app.files_dir / "again.conf").read_text().splitlines()
        assert whole_block(mine, "system newer-feature") == newer["system newer-feature"]
        assert s.execute("execute restore config again.conf").output.startswith("This operation")
        r = s.execute("y")
        assert (r.output, r.failed) == ("Configuration restored.\n", False)
        assert "system newer-feature" in r.notice
        assert app.session().show_all(full=True) == shown
    finally:
        app.close()
    again = Appliance(tmp_path / "d", sync=False)  # the data directory keeps them
    try:
        assert again.session().show_all(full=True) == shown
    finally:
        again.close()


def test_a_read_only_administrator_looks_but_changes_nothing() -> None:
    from adc.engine.access import READ, Access

    s = Appliance(None).session()
    for line in ["config system alert-webhook", 'edit "hook1"', "set port 443", "next", "end"]:
        assert not s.execute(line).failed, line
    s.ctx.access = Access(everything=False, areas={"system": READ})
    assert s.prompt.endswith("$ ")
    for line in ["config system alert-webhook", "edit hook1", "get", "next", "end"]:
        r = s.execute(line)
        assert not r.failed, (line, r.error)
    s.execute("config system alert-webhook")
    s.execute("edit hook1")
    assert s.execute("set port 80").error.endswith("Return code is -37\n")
    s.execute("abort")
    s.execute("config system alert-webhook")
    assert s.execute("edit nosuch").error.endswith("Return code is -37\n")  # no new entry either
    s.execute("abort")
    assert s.execute("show system alert-webhook").output.count("set port 443") == 1
