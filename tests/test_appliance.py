"""The appliance: persistence across restarts, backup/restore/factoryreset, status reports."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from adc.appliance import Appliance
from adc.config.persist import DataDirInUse

from .dataplane_helpers import run as run_ok

SCRIPT = """
config system global
set hostname lab-adc
end
config load-balance real-server
edit rs1
set ip 10.0.1.11
next
end
config load-balance pool
edit p1
config pool_member
edit 1
set real-server rs1
set pool_member_service_port 8080
next
end
next
end
config load-balance virtual-server
edit vs1
set type l7-load-balance
set ip 10.1.1.1
set load-balance-profile LB_PROF_HTTP
set load-balance-pool p1
end
"""



def test_restart_restores_identical_config(tmp_path: Path) -> None:
    app = Appliance(tmp_path / "d")
    s = app.session()
    run_ok(s, SCRIPT)
    shown, full, tree = s.show_all(), s.show_all(full=True), app.store.tree.copy()
    app.close()
    again = Appliance(tmp_path / "d")
    try:
        s2 = again.session()
        assert again.store.tree == tree
        assert s2.show_all() == shown and s2.show_all(full=True) == full
        assert s2.prompt == "lab-adc # "
    finally:
        again.close()


def test_factory_cert_is_kept(tmp_path: Path) -> None:
    app = Appliance(tmp_path / "d")
    first = app.factory_cert.fingerprint_sha256
    app.close()
    again = Appliance(tmp_path / "d")
    assert again.factory_cert.fingerprint_sha256 == first
    again.close()


def test_one_directory_one_appliance(tmp_path: Path) -> None:
    app = Appliance(tmp_path / "d")
    try:
        with pytest.raises(DataDirInUse):
            Appliance(tmp_path / "d")
    finally:
        app.close()


def test_backup_restore_and_factoryreset(tmp_path: Path) -> None:
    app = Appliance(tmp_path / "d")
    s = app.session()
    run_ok(s, SCRIPT)
    saved = s.show_all()
    backup = tmp_path / "d" / "files" / "backup.cli"  # names are relative to the files folder
    assert app.files_dir == tmp_path / "d" / "files"
    assert run_ok(s, "execute backup config backup.cli") == "Configuration saved to backup.cli\n"
    assert backup.read_text().splitlines()[1:] == s.show_all(full=True)

    r = s.execute("execute factoryreset")
    assert r.output == "This operation will change all settings to factory defaults!\n"
    assert s.prompt == "Do you want to continue? (y/n)"
    assert s.execute("y").output == "System is resetting to factory defaults...\n"
    assert s.prompt == "FortiADC-VM # "
    assert s.show_all() == Appliance(None).session().show_all()

    s.execute("execute restore config backup.cli")
    assert s.execute("y").output == "Configuration restored.\n"
    assert s.show_all() == saved
    app.close()
    again = Appliance(tmp_path / "d")
    assert again.session().show_all() == saved
    again.close()


def test_restore_of_a_bad_file_changes_nothing() -> None:
    app = Appliance(None)
    s = app.session()
    run_ok(s, SCRIPT)
    before = s.show_all()
    app.files_dir.mkdir(parents=True, exist_ok=True)
    (app.files_dir / "bad.cli").write_text("config load-balance virtual-server\nedit v\nset load-balance-pool nope\nend\n")
    s.execute("execute restore config bad.cli")
    r = s.execute("y")
    assert r.failed and r.error.splitlines()[-1] == "Command fail. Return code is -39"
    assert "line 3" in r.error
    assert s.show_all() == before
    r = s.execute("execute restore config missing.cli")
    assert r.failed and r.error.splitlines()[-1] == "Command fail. Return code is -24"
    app.close()


def test_factoryreset_can_be_declined() -> None:
    s = Appliance(None).session()
    run_ok(s, SCRIPT)
    before = s.show_all()
    s.execute("execute factoryreset")
    assert s.execute("n").output == ""
    assert s.show_all() == before


def test_system_status_and_performance() -> None:
    s = Appliance(None).session()
    run_ok(s, "config system global\nset hostname status-box\nend")
    status = run_ok(s, "get system status").splitlines()
    assert status[0].startswith("Version:") and "FortiADC-VM v7.4" in status[0]
    assert any(re.fullmatch(r"Hostname: +status-box", l) for l in status)
    assert any(re.fullmatch(r"Uptime: +\d+ days? \d+ hours? \d+ minutes?", l) for l in status)
    perf = run_ok(s, "get system performance").splitlines()
    m = re.fullmatch(r"CPU usage: (\d+)% used, (\d+)% idle", perf[0])
    assert m and int(m[1]) + int(m[2]) == 100
    assert re.fullmatch(r"Memory usage: \d+% used", perf[1])
    assert perf[2].startswith("System Load: ") and perf[3].startswith("Uptime: ")


def test_usage_errors_of_execute() -> None:
    s = Appliance(None).session()
    r = s.execute("execute backup config")
    assert r.error.splitlines() == ["Usage: execute backup config {disk|tftp|ftp} <file> [<ip>] [<user>] [<password>]", "Command fail. Return code is -61 (Input is not as expected)"]
    assert s.execute("execute nothing").error == "Unknown action 0\n"
    assert not s.execute("diagnose debug cmdb 8").failed
