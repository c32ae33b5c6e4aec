"""``execute certificate local ...`` verbs, driven through a session (reference §1.9, §2.12).

The verbs are not wired into ``execute`` here; ``run`` is a tiny dispatcher doing what the engine does with a
verb table: find the verb, call it, print its lines or the error's lines.
"""
from __future__ import annotations

import ssl
from pathlib import Path
from typing import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from adc.appliance import Appliance
from adc.certs import FACTORY_NAME, CertError, generate_self_signed, load_pair
from adc.dataplane.spec import compile_spec
from adc.dataplane.tls import server_context
from adc.engine.cert_verbs import CERT_VERBS
from adc.engine.verb import find_verb
from adc.engine.session import Session

from .dataplane_helpers import run as run_ok


@pytest.fixture
def app() -> Iterator[Appliance]:
    a = Appliance(None)
    yield a
    a.close()


@pytest.fixture
def s(app: Appliance) -> Session:
    return app.session()


@pytest.fixture
def files(app: Appliance) -> Path:
    """The appliance's files folder, where the verbs read and write (names are relative to it)."""
    app.files_dir.mkdir(parents=True, exist_ok=True)
    return app.files_dir


ok = run_ok  # run lines through the session (the verbs are wired into `execute`), failing on any error


def write_pair(d: Path, stem: str, cn: str, password: bytes | None = None) -> tuple[Path, Path]:
    cert_pem, key_pem = generate_self_signed(stem, "ECDSA", "secp256r1", cn)
    if password:
        key = serialization.load_pem_private_key(key_pem, None)
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.BestAvailableEncryption(password))
    crt, key_file = d / f"{stem}.crt", d / f"{stem}.key"
    crt.write_bytes(cert_pem)
    key_file.write_bytes(key_pem)
    return crt, key_file


# ------------------------------------------------------------------------------------------ generate
def test_generate_ecdsa_prints_the_real_lines(s: Session, app: Appliance) -> None:
    r = s.execute("execute certificate local generate csr-test ECDSA secp521r1 example null ca sunnyvale fortinet fadc root")
    assert not r.failed, r.error
    assert r.output == (
        "Generating a 512 bit ECDSA private key with curve name secp521r1 and message digest algorithm SHA-512\n"
        "Generating X.509 certificate request\n"
        "Done.\n"
    )
    assert "== [ csr-test ]" in s.execute("get system certificate local").output
    entry = s.execute("get system certificate local csr-test").output
    assert "certificate-file    : csr-test.crt\n" in entry and "private-key-file    : csr-test.key\n" in entry
    pair = load_pair((app.cert_dir / "csr-test.crt").read_bytes(), (app.cert_dir / "csr-test.key").read_bytes())
    attrs = {a.oid._name: a.value for a in pair.certificate.subject}
    assert attrs["commonName"] == "example" and attrs["localityName"] == "sunnyvale"
    assert "countryName" not in attrs  # null = empty field


def test_generate_rsa_and_errors(s: Session) -> None:
    r = s.execute("execute certificate local generate r1 RSA 2048 r1.test US CA Sunnyvale Org Unit a@b.test")
    assert r.output.splitlines() == ["Generating a 2048 bit RSA private key", "Generating X.509 certificate request", "Done."]
    dup = s.execute("execute certificate local generate r1 RSA 2048 r1.test US CA Sunnyvale Org Unit a@b.test")
    assert dup.failed and dup.error.splitlines()[-1] == "Command fail. Return code is -15"
    bad = s.execute("execute certificate local generate r2 RSA 999 r2.test null null null null null null")
    assert bad.failed and bad.error.splitlines()[-1] == "Command fail. Return code is -1110"
    usage = s.execute("execute certificate local generate r3 RSA 2048")
    assert usage.failed and usage.error.startswith("Usage: execute certificate local generate <name>")
    assert "r2" not in s.execute("get system certificate local").output


# ------------------------------------------------------------------------------------------ import-pair
def test_import_pair_creates_entry_and_files_usable_by_profiles(s: Session, app: Appliance, files: Path) -> None:
    write_pair(files, "ws-cert", "www.ws.test")  # names are relative to the files folder
    r = s.execute("execute certificate local import-pair tftp ws-cert.crt ws-cert.key null 192.168.1.23")
    assert not r.failed, r.error
    assert r.output == ""
    assert (app.cert_dir / "ws-cert.crt").is_file() and (app.cert_dir / "ws-cert.key").is_file()
    assert (app.cert_dir / "ws-cert.key").stat().st_mode & 0o077 == 0
    shown = s.execute("show system certificate local").output
    assert 'edit "ws-cert"' in shown
    assert "set certificate-file ws-cert.crt" in shown and "set private-key-file ws-cert.key" in shown

    ok(s, """
config system certificate local_cert_group
edit ws-group
config group_member
edit 1
set local-cert ws-cert
set default enable
next
end
next
end
config load-balance client-ssl-profile
edit ws-ssl
set local-certificate-group ws-group
set ssl-allowed-versions tlsv1.2 tlsv1.3
next
end
config load-balance real-server
edit rs1
set ip 10.0.1.11
next
end
config load-balance pool
edit web_pool
config pool_member
edit 1
set real-server rs1
next
end
next
end
config load-balance virtual-server
edit vs-tls
set type l7-load-balance
set ip 10.9.9.9
set port 443
set load-balance-profile LB_PROF_HTTPS
set load-balance-method LB_METHOD_ROUND_ROBIN
set load-balance-pool web_pool
set client-ssl-profile ws-ssl
next
end
""")
    # The spec compiler finds the stored files by name, and the data plane can serve them.
    spec = compile_spec(s.store.tree, s.schema, s.store.generation, app.cert_dir)
    tls = spec.virtual_servers["vs-tls"].client_tls
    assert tls is not None and tls.default.name == "ws-cert"
    ctx = server_context(tls)
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    cli, srv = client.wrap_bio(c_in, c_out), ctx.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(10):
        for obj in (cli, srv):
            try:
                obj.do_handshake()
            except ssl.SSLWantReadError:
                pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
    der = cli.getpeercert(binary_form=True)
    assert der is not None
    assert x509.load_der_x509_certificate(der) == load_pair(
        (files / "ws-cert.crt").read_bytes(), (files / "ws-cert.key").read_bytes()).certificate

    # Referenced by a group: the engine refuses to delete it.
    r = s.execute("config system certificate local")
    r = s.execute("delete ws-cert")
    assert r.failed and r.error.splitlines()[-1] == "Command fail. Return code is -23"
    r = s.execute("delete Factory")
    assert r.failed and r.error.splitlines()[-1] == "Command fail. Return code is -42"
    s.execute("end")


def test_import_pair_with_key_password(s: Session, app: Appliance, files: Path) -> None:
    write_pair(files, "enc", "enc.test", password=b"s3cret")
    wrong = s.execute("execute certificate local import-pair tftp enc.crt enc.key nope 10.0.0.1")
    assert wrong.failed and wrong.error.splitlines()[-1] == "Command fail. Return code is -145"
    r = s.execute("execute certificate local import-pair tftp enc.crt enc.key s3cret 10.0.0.1")
    assert not r.failed, r.error
    load_pair((app.cert_dir / "enc.crt").read_bytes(), (app.cert_dir / "enc.key").read_bytes())  # stored unencrypted


def test_import_pair_errors(s: Session, files: Path) -> None:
    write_pair(files, "one", "one.test")
    write_pair(files, "two", "two.test")
    crt, other_key = "one.crt", "two.key"
    bad = s.execute(f"execute certificate local import-pair tftp {crt} {other_key} null 10.0.0.1")
    assert bad.failed
    assert bad.error.splitlines() == ["the private key does not match the certificate", "Command fail. Return code is -145"]
    with pytest.raises(CertError):  # the verb raises the CertError from certs.py
        find_verb(CERT_VERBS, ["certificate", "local", "import-pair"])[0].run(
            s.ctx, ["tftp", crt, other_key, "null", "10.0.0.1"])
    (files / "junk.crt").write_bytes(b"not a certificate")
    junk = s.execute(f"execute certificate local import-pair tftp junk.crt {other_key} null 10.0.0.1")
    assert junk.failed and junk.error.splitlines()[-1] == "Command fail. Return code is -145"

    missing = s.execute(f"execute certificate local import-pair tftp nope.crt {other_key} null 10.0.0.1")
    assert missing.failed
    assert missing.error.splitlines()[0] == "cannot read nope.crt: No such file or directory"
    assert missing.error.splitlines()[-1] == "Command fail. Return code is -24"

    usage = s.execute(f"execute certificate local import-pair tftp {crt} {other_key}")
    assert usage.failed and usage.error.startswith("Usage: execute certificate local import-pair tftp")
    assert usage.error.splitlines()[-1].startswith("Command fail. Return code is -61")
    assert "== [ one ]" not in s.execute("get system certificate local").output

    write_pair(files, "dup", "dup.test")
    crt2, key2 = "dup.crt", "dup.key"
    assert not s.execute(f"execute certificate local import-pair tftp {crt2} {key2} null 10.0.0.1").failed
    dup = s.execute(f"execute certificate local import-pair tftp {crt2} {key2} null 10.0.0.1")
    assert dup.failed and dup.error.splitlines()[-1] == "Command fail. Return code is -15"
    factory = s.execute(f"execute certificate local import-pair tftp Factory.crt {key2} null 10.0.0.1")
    assert factory.failed and factory.error.splitlines()[-1] == "Command fail. Return code is -15"


# ------------------------------------------------------------------------------------------ import (one file)
def test_import_combined_pem_and_pkcs12(s: Session, app: Appliance, files: Path) -> None:
    cert_pem, key_pem = generate_self_signed("combo", "ECDSA", "secp256r1", "combo.test")
    (files / "combo.pem").write_bytes(key_pem + cert_pem)  # key first: any order
    r = s.execute("execute certificate local import tftp combo.pem 192.168.1.23")
    assert not r.failed, r.error
    assert (app.cert_dir / "combo.crt").read_bytes() == load_pair(cert_pem, key_pem).cert_pem
    assert "== [ combo ]" in s.execute("get system certificate local").output

    (files / "certonly.pem").write_bytes(cert_pem)
    r = s.execute("execute certificate local import tftp certonly.pem 192.168.1.23")
    assert r.failed and "no private key" in r.error and r.error.splitlines()[-1] == "Command fail. Return code is -145"

    pair = load_pair(cert_pem, key_pem)
    p12 = pkcs12.serialize_key_and_certificates(b"p12", pair.private_key, pair.certificate, None,
                                                serialization.NoEncryption())
    (files / "bundle.pfx").write_bytes(p12)
    r = s.execute("execute certificate local import tftp bundle.pfx 192.168.1.23")
    assert not r.failed, r.error
    assert (app.cert_dir / "bundle.crt").is_file()

    r = s.execute("execute certificate local import tftp absent.pem 192.168.1.23")
    assert r.failed and r.error.splitlines()[-1] == "Command fail. Return code is -24"
    r = s.execute("execute certificate local import tftp x.pem")
    assert r.failed and r.error.startswith("Usage: execute certificate local import tftp")


# ------------------------------------------------------------------------------------------ export, regenerate
def test_export_and_regenerate_factory(s: Session, app: Appliance, files: Path) -> None:
    out = files / "fortiadc.crt"
    r = s.execute("execute certificate local export tftp Factory fortiadc.crt 192.168.1.23")
    assert not r.failed, r.error
    before = x509.load_pem_x509_certificate(out.read_bytes())
    assert before == app.ensure_factory_cert().certificate

    r = s.execute("execute certificate local regenerate")
    assert r.output == "self certificate regenerated!\n"
    after = app.ensure_factory_cert()  # still a matching pair
    assert after.certificate != before
    assert after.name == FACTORY_NAME and after.subject_cn == "FortiADC-VM"

    r = s.execute("execute certificate local export tftp nosuch fortiadc.crt 192.168.1.23")
    assert r.failed and r.error.splitlines()[-1] == "Command fail. Return code is -13"
    r = s.execute("execute certificate local export tftp Factory no/dir.crt 192.168.1.23")
    assert r.failed and r.error.splitlines()[-1] == "Command fail. Return code is -24"
    assert s.execute("execute certificate local regenerate now").failed


def test_export_user_certificate(s: Session, files: Path) -> None:
    ok(s, "execute certificate local generate gen ECDSA secp256r1 gen.test null null null null null null")
    out = files / "gen.pem"
    ok(s, "execute certificate local export tftp gen gen.pem 1.2.3.4")
    cert = x509.load_pem_x509_certificate(out.read_bytes())
    assert cert.subject.rfc4514_string() == "CN=gen.test"


def test_verbs_are_distinct_and_abbreviable(s: Session) -> None:
    assert {v.words[2] for v in CERT_VERBS} == {"generate", "import", "import-pair", "export", "regenerate"}
    verb, rest = find_verb(CERT_VERBS, ["cert", "loc", "import-p", "tftp"])
    assert verb.words[2] == "import-pair" and rest == ["tftp"]
    verb, _ = find_verb(CERT_VERBS, ["certificate", "local", "import"])
    assert verb.words[2] == "import"
