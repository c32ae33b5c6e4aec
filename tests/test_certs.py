"""Factory certificate persistence and pair validation, checked with the stdlib ssl module."""
from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from adc.certs import (CertError, KeyMismatchError, ensure_factory_cert, generate_self_signed,
                       load_pair, store_pair)
from adc.errors import AdcError


@pytest.fixture(scope="module")
def factory_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("data")
    ensure_factory_cert(d)
    return d


def test_factory_files_and_ssl_load(factory_dir: Path) -> None:
    pair = ensure_factory_cert(factory_dir)
    assert pair.name == "Factory"
    assert pair.cert_path == factory_dir / "certs" / "Factory.crt"
    assert pair.key_path == factory_dir / "certs" / "Factory.key"
    assert stat.S_IMODE(pair.key_path.stat().st_mode) == 0o600
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(pair.cert_path), str(pair.key_path))  # raises if key/cert do not match
    assert not list((factory_dir / "certs").glob("*.tmp"))


def test_factory_contents(factory_dir: Path) -> None:
    pair = ensure_factory_cert(factory_dir)
    cert = pair.certificate
    assert pair.subject_cn == "FortiADC-VM"
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Fortinet emulator"
    assert cert.issuer == cert.subject
    key = serialization.load_pem_private_key(pair.key_pem, None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    life = pair.not_after - cert.not_valid_before_utc
    assert dt.timedelta(days=3649) < life < dt.timedelta(days=3652)
    assert pair.not_after.tzinfo is not None
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(san.get_values_for_type(x509.DNSName)) == {"FortiADC-VM", "localhost"}
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert bc.ca is False
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    fp = pair.fingerprint_sha256
    assert len(fp) == 95 and fp.count(":") == 31 and fp == fp.upper()


def test_factory_kept_not_regenerated(factory_dir: Path) -> None:
    first = ensure_factory_cert(factory_dir)
    fp, pem, key = first.fingerprint_sha256, first.cert_pem, first.key_pem
    again = ensure_factory_cert(factory_dir)
    assert again.fingerprint_sha256 == fp
    assert again.cert_path.read_bytes() == pem and again.key_path.read_bytes() == key


def test_factory_other_dir_is_different(factory_dir: Path, tmp_path: Path) -> None:
    assert ensure_factory_cert(tmp_path).fingerprint_sha256 != ensure_factory_cert(factory_dir).fingerprint_sha256


def test_factory_regenerated_when_key_missing(tmp_path: Path) -> None:
    p = ensure_factory_cert(tmp_path)
    fp = p.fingerprint_sha256
    p.key_path.unlink()
    q = ensure_factory_cert(tmp_path)
    assert q.fingerprint_sha256 != fp
    load_pair(q.cert_path.read_bytes(), q.key_path.read_bytes())


def test_factory_corrupt_files_raise(tmp_path: Path) -> None:
    p = ensure_factory_cert(tmp_path)
    p.cert_path.write_bytes(b"garbage")
    with pytest.raises(CertError):
        ensure_factory_cert(tmp_path)


def test_load_pair_accepts_matching(factory_dir: Path) -> None:
    pair = ensure_factory_cert(factory_dir)
    loaded = load_pair(pair.cert_pem, pair.key_pem, None)
    assert loaded.fingerprint_sha256 == pair.fingerprint_sha256
    assert loaded.subject_cn == "FortiADC-VM"


def test_load_pair_rejects_mismatched_key(factory_dir: Path) -> None:
    pair = ensure_factory_cert(factory_dir)
    _, other_key = generate_self_signed("other", "RSA", 2048, "other.example")
    with pytest.raises(KeyMismatchError) as ei:
        load_pair(pair.cert_pem, other_key, None)
    assert isinstance(ei.value, AdcError)
    assert ei.value.lines()[-1] == "Command fail. Return code is -145"
    assert "does not match" in ei.value.lines()[0]


@pytest.mark.parametrize("cert, key", [(b"garbage", None), (None, b"garbage"), (b"", None)])
def test_load_pair_rejects_garbage(factory_dir: Path, cert: bytes | None, key: bytes | None) -> None:
    pair = ensure_factory_cert(factory_dir)
    with pytest.raises(CertError):
        load_pair(cert if cert is not None else pair.cert_pem, key if key is not None else pair.key_pem)


def test_load_pair_encrypted_key() -> None:
    cert_pem, key_pem = generate_self_signed("enc", "ECDSA", "secp256r1", "enc.example")
    key = serialization.load_pem_private_key(key_pem, None)
    enc = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(b"s3cret"))
    assert load_pair(cert_pem, enc, b"s3cret").subject_cn == "enc.example"
    with pytest.raises(CertError):
        load_pair(cert_pem, enc, b"wrong")
    with pytest.raises(CertError):
        load_pair(cert_pem, enc, None)


def test_generate_ecdsa_with_subject_fields() -> None:
    cert_pem, key_pem = generate_self_signed("csr-test", "ECDSA", "secp521r1", "example", "null", "ca",
                                             "sunnyvale", "fortinet", "fadc", "root@example.com")
    loaded = load_pair(cert_pem, key_pem)
    assert isinstance(loaded.private_key, ec.EllipticCurvePrivateKey)
    assert loaded.private_key.curve.name == "secp521r1"
    subj = loaded.certificate.subject
    assert not subj.get_attributes_for_oid(NameOID.COUNTRY_NAME)  # "null" = left out
    assert subj.get_attributes_for_oid(NameOID.STATE_OR_PROVINCE_NAME)[0].value == "ca"
    assert subj.get_attributes_for_oid(NameOID.LOCALITY_NAME)[0].value == "sunnyvale"
    assert subj.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "fadc"
    assert loaded.subject_cn == "example"


def test_generate_ip_subject_gets_ip_san() -> None:
    cert_pem, _ = generate_self_signed("ip", "RSA", "1024", "10.0.0.1", "US")
    cert = x509.load_pem_x509_certificate(cert_pem)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("10.0.0.1")]


@pytest.mark.parametrize("kt, kp, code", [("RSA", 512, -1110), ("RSA", "big", -1110), ("RSA", 3000, -1110),
                                          ("ECDSA", "secp999", -61), ("DSA", 1024, -61)])
def test_generate_rejects_bad_params(kt: str, kp: int | str, code: int) -> None:
    with pytest.raises(CertError) as ei:
        generate_self_signed("x", kt, kp, "x.example")
    assert ei.value.code == code


def test_generate_rejects_bad_country() -> None:
    with pytest.raises(CertError):
        generate_self_signed("x", "ECDSA", "secp256r1", "x.example", country="USA")


def test_store_pair(tmp_path: Path) -> None:
    cert_pem, key_pem = generate_self_signed("user1", "ECDSA", "secp384r1", "user1.example")
    pair = store_pair(tmp_path, "user1", cert_pem, key_pem)
    assert stat.S_IMODE(pair.key_path.stat().st_mode) == 0o600
    ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(str(pair.cert_path), str(pair.key_path))
    with pytest.raises(CertError):
        store_pair(tmp_path, "../evil", cert_pem, key_pem)


def test_factory_key_written_0600_on_first_call(tmp_path: Path) -> None:
    ensure_factory_cert(tmp_path)
    key = tmp_path / "certs" / "Factory.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "certs" / "Factory.crt").stat().st_mode) == 0o644


def test_factory_key_mode_repaired(tmp_path: Path) -> None:
    p = ensure_factory_cert(tmp_path)
    p.key_path.chmod(0o644)
    ensure_factory_cert(tmp_path)
    assert stat.S_IMODE(p.key_path.stat().st_mode) == 0o600
