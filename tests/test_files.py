"""The operator's files (issue 15, point 5): ``execute`` reads and writes one folder, the files folder, and
never echoes a file in an error.

The real box fetches and sends files over TFTP; the appliance's files folder (``adc --files-dir``, default
``<data dir>/files``) stands for that server. Every test uses real files and real symbolic links.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from adc.appliance import Appliance
from adc.certs import generate_self_signed
from adc.engine.session import Session

from .dataplane_helpers import run as ok

SECRET = "root:$6$not-for-your-eyes:19000:0:99999:7:::"
TOP = "FortiADC-VM # "


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Appliance]:
    a = Appliance(tmp_path / "data")
    yield a
    a.close()


@pytest.fixture
def s(app: Appliance) -> Session:
    return app.session()


@pytest.fixture
def files(app: Appliance) -> Path:
    app.files_dir.mkdir(parents=True, exist_ok=True)
    return app.files_dir


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the folder whose first line is a secret."""
    path = tmp_path / "shadow"
    path.write_text(SECRET + "\nsecond line\n")
    return path


def refused(s: Session, line: str, code: int = -37) -> str:
    """Run ``line``; it must fail at once with ``code`` (no y/n question): the error text."""
    r = s.execute(line)
    assert r.failed, (line, r.output)
    assert r.error.splitlines()[-1] == f"Command fail. Return code is {code}", r.error
    assert s.prompt == TOP  # nothing asked, nothing left pending
    assert SECRET not in r.output + r.error and "not-for-your-eyes" not in r.output + r.error
    return r.error


def test_the_folder_is_files_in_the_data_directory(app: Appliance, s: Session, tmp_path: Path) -> None:
    assert app.files_dir == tmp_path / "data" / "files"
    assert not app.files_dir.exists()  # made on first use
    assert ok(s, "execute backup config box.cli") == "Configuration saved to box.cli\n"
    backup = (tmp_path / "data" / "files" / "box.cli").read_text().splitlines()
    assert backup[0].startswith("#config-version=") and backup[1:] == s.show_all(full=True)
    assert (tmp_path / "data" / "files" / "box.cli").stat().st_mode & 0o077 == 0


def test_in_memory_the_folder_is_private_and_goes_with_the_appliance() -> None:
    app = Appliance(None)
    ok(app.session(), "execute backup config box.cli")
    folder = app.files_dir
    assert (folder / "box.cli").is_file() and folder.parent == app.base_dir
    app.close()
    assert not folder.exists()


# ------------------------------------------------------------------------------------------ restore
def test_restore_of_etc_shadow_is_refused_without_its_content(s: Session) -> None:
    """The reproduction of the issue: the first line of /etc/shadow was printed in the error."""
    error = refused(s, "execute restore config /etc/shadow")
    assert error == "cannot read /etc/shadow: outside the files folder\nCommand fail. Return code is -37\n"


def test_restore_outside_the_folder_is_refused(s: Session, app: Appliance, files: Path, secret: Path) -> None:
    before = s.show_all()
    refused(s, f"execute restore config {secret}")  # absolute
    rel = os.path.relpath(secret, files)
    assert rel.startswith("..")
    refused(s, f"execute restore config {rel}")  # ../../shadow
    refused(s, "execute restore config sub/../../shadow")
    (files / "link.cli").symlink_to(secret)  # a link out, inside the folder
    refused(s, "execute restore config link.cli")
    (files / "out").symlink_to(secret.parent, target_is_directory=True)
    refused(s, f"execute restore config out/{secret.name}")
    assert s.show_all() == before
    assert str(files) not in s.execute("execute restore config /etc/shadow").error  # nor where the folder is


def test_restore_of_a_file_that_is_not_a_script_quotes_nothing(s: Session, files: Path) -> None:
    binary = b"\x7fELF\x02\x01\x01\x00" + b"key=hunter2\x00\xff\xfe" * 10
    (files / "a.out").write_bytes(binary)
    error = refused(s, "execute restore config a.out", -39)
    assert error.splitlines()[0] == "restore: a.out is not a configuration script: line 1: invalid control character '\\x7f' at column 1"
    assert "hunter2" not in error and "ELF" not in error
    (files / "ctl.cli").write_bytes(b"config system global\nset hostname x\x01secret\nend\n")
    error = refused(s, "execute restore config ctl.cli", -39)
    assert "line 2:" in error and "secret" not in error
    (files / "long.cli").write_text("#" + "x" * 20000 + "\n")
    assert "line 1: line too long" in refused(s, "execute restore config long.cli", -39)


def test_restore_refuses_what_is_not_a_regular_file_or_too_big(s: Session, files: Path) -> None:
    os.mkfifo(files / "fifo")  # opening it must not wait for a writer
    assert refused(s, "execute restore config fifo", -24).startswith("cannot read fifo: not a regular file\n")
    (files / "dir").mkdir()
    assert refused(s, "execute restore config dir", -24).startswith("cannot read dir: Is a directory\n")
    refused(s, "execute restore config .", -24)
    assert refused(s, "execute backup config dir/", -24).startswith("cannot write dir/: Is a directory\n")
    assert refused(s, 'execute backup config ""', -24).startswith("cannot write : not a file name\n")
    with open(files / "huge.cli", "wb") as f:
        f.truncate(16 * 1024 * 1024 + 1)  # sparse: one byte over the limit
    assert refused(s, "execute restore config huge.cli", -4843).startswith("cannot read huge.cli: larger than")
    assert refused(s, "execute restore config nothing.cli", -24) == (
        "cannot read nothing.cli: No such file or directory\nCommand fail. Return code is -24\n")


# ------------------------------------------------------------------------------------------ backup
def test_backup_outside_the_folder_writes_nothing(s: Session, files: Path, tmp_path: Path) -> None:
    outside = tmp_path / "x"
    assert refused(s, f"execute backup config {outside}") == (
        f"cannot write {outside}: outside the files folder\nCommand fail. Return code is -37\n")
    refused(s, "execute backup config ../x")
    refused(s, "execute backup config ../../x")
    assert not outside.exists() and not (files.parent / "x").exists()
    # A link to a directory outside, and a link to a file outside: neither is followed.
    (files / "out").symlink_to(tmp_path, target_is_directory=True)
    refused(s, "execute backup config out/x")
    assert not outside.exists()
    victim = tmp_path / "victim"
    victim.write_text("untouched\n")
    (files / "victim.cli").symlink_to(victim)
    refused(s, "execute backup config victim.cli")
    assert victim.read_text() == "untouched\n"
    assert (files / "victim.cli").is_symlink()
    assert sorted(p.name for p in files.iterdir()) == ["out", "victim.cli"]  # no temporary file left


def test_backup_then_restore_by_name(s: Session, files: Path) -> None:
    ok(s, "config system global\nset hostname saved-box\nend")
    ok(s, "config load-balance real-server\nedit rs1\nset ip 10.0.1.11\nend")
    saved = s.show_all()
    assert ok(s, "execute backup config saved.cli") == "Configuration saved to saved.cli\n"
    (files / "old").mkdir()
    ok(s, "execute backup config old/saved.cli")  # a folder inside the files folder is fine
    (files / "alias.cli").symlink_to("old/saved.cli")  # and so is a link that stays inside
    ok(s, "config system global\nset hostname other\nend")
    ok(s, "config load-balance real-server\ndelete rs1\nend")
    for name in ("saved.cli", "old/saved.cli", "alias.cli"):
        ok(s, "execute factoryreset\ny")
        assert s.execute(f"execute restore config {name}").output.startswith("This operation will replace")
        assert s.execute("y").output == "Configuration restored.\n"
        assert s.show_all() == saved
    ok(s, "execute backup config alias.cli")  # writing through the link replaces its target
    assert (files / "alias.cli").is_symlink()
    assert (files / "old" / "saved.cli").read_text().splitlines()[1:] == s.show_all(full=True)


# ------------------------------------------------------------------------------------------ certificates
def test_certificates_come_from_and_go_to_the_folder(s: Session, app: Appliance, files: Path, tmp_path: Path) -> None:
    cert, key = generate_self_signed("web", "ECDSA", "secp256r1", "web.test")
    (files / "web.crt").write_bytes(cert)
    (files / "web.key").write_bytes(key)
    ok(s, "execute certificate local import-pair tftp web.crt web.key null 192.0.2.1")
    assert (app.cert_dir / "web.crt").is_file()
    (files / "both.pem").write_bytes(cert + key)
    ok(s, "execute certificate local import tftp both.pem 192.0.2.1")
    assert "== [ both ]" in ok(s, "get system certificate local")
    ok(s, "execute certificate local export tftp web web-out.crt 192.0.2.1")
    assert (files / "web-out.crt").read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")

    # Outside the folder: refused, nothing read or written there.
    (tmp_path / "evil.crt").write_bytes(cert)
    (tmp_path / "evil.key").write_bytes(key)
    refused(s, f"execute certificate local import-pair tftp {tmp_path / 'evil.crt'} {tmp_path / 'evil.key'} null 192.0.2.1")
    (files / "web2.crt").write_bytes(cert)
    refused(s, "execute certificate local import-pair tftp web2.crt ../../evil.key null 192.0.2.1")
    refused(s, f"execute certificate local import tftp {tmp_path / 'evil.crt'} 192.0.2.1")
    assert "evil" not in ok(s, "get system certificate local")
    refused(s, f"execute certificate local export tftp web {tmp_path / 'exported.crt'} 192.0.2.1")
    refused(s, "execute certificate local export tftp web ../exported.crt 192.0.2.1")
    assert not (tmp_path / "exported.crt").exists() and not (files.parent / "exported.crt").exists()

    (files / "big.pem").write_bytes(cert + b"#" * (1 << 20))
    assert refused(s, "execute certificate local import tftp big.pem 192.0.2.1", -4508).startswith(
        "cannot read big.pem: larger than")


def test_files_dir_can_be_chosen(tmp_path: Path) -> None:
    app = Appliance(None)
    try:
        app.files_dir = tmp_path / "tftp"
        s = app.session()
        ok(s, "execute backup config a.cli")
        assert (tmp_path / "tftp" / "a.cli").is_file()
        refused(s, f"execute restore config {tmp_path / 'tftp' / 'a.cli'}")  # even inside: names, not paths
    finally:
        app.close()
    assert (tmp_path / "tftp" / "a.cli").is_file()  # a chosen folder is the operator's: kept


def test_restore_names_the_failing_line_without_quoting_it(s: Session, files: Path) -> None:
    (files / "notes.cli").write_text("config system global\nroot:$6$secret-hash:19000\nend\n")
    s.execute("execute restore config notes.cli")
    r = s.execute("y")
    assert r.error == "restore: line 2\nUnknown action 0\nCommand fail. Return code is -39\n"
    assert "secret" not in r.output + r.error
