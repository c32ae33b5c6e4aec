"""Local certificates: the `Factory` certificate every box ships with, and user certificates later.

The certificates are real (``cryptography``), so the HTTPS/TLS side of the emulator can serve them and
``execute certificate local generate`` produces something openssl accepts. Files live under
``<data_dir>/certs/<name>.crt`` / ``<name>.key``; keys are mode 0600 and every write is atomic
(tmp + ``os.replace``) so a crash never leaves a half-written key beside a good certificate.
"""
from __future__ import annotations

import datetime as _dt
import fcntl
import hashlib
import ipaddress
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterable, Iterator, Union

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from adc.errors import CommandFail

FACTORY_NAME = "Factory"
FACTORY_CN = "FortiADC-VM"
FACTORY_ORG = "Fortinet emulator"
FACTORY_DAYS = 3650

# The real box lists 512 too (errcode -1110) but modern OpenSSL/cryptography refuse to make such keys.
RSA_KEY_SIZES = (1024, 1536, 2048, 4096)
EC_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "secp256r1": ec.SECP256R1,
    "prime256v1": ec.SECP256R1,
    "secp384r1": ec.SECP384R1,
    "secp521r1": ec.SECP521R1,
}
# Digest per curve, as the real box reports ("... secp521r1 and message digest algorithm SHA-512").
_EC_HASH: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {"secp256r1": hashes.SHA256, "prime256v1": hashes.SHA256,
            "secp384r1": hashes.SHA384, "secp521r1": hashes.SHA512}

_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,63}$")

PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey]


class CertError(CommandFail):
    """A certificate or key the box cannot use. Prints the reason, then ``Command fail. Return code``.

    Default code -145 ("The imported local certificate is invalid.") covers unreadable input; generation
    parameter errors use -61 or -1110.
    """

    def __init__(self, reason: str, code: int = -145) -> None:
        super().__init__(code, reason)


class KeyMismatchError(CertError):
    """The private key does not belong to the certificate (import-pair with the wrong key)."""


# ----------------------------------------------------------------------------------------------
# Read-only views

class _CertInfo:
    """Shared read-outs of an ``x509.Certificate`` (subclasses provide ``certificate``)."""

    certificate: x509.Certificate

    @property
    def subject_cn(self) -> str:
        attrs = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(attrs[0].value) if attrs else ""

    @property
    def not_after(self) -> _dt.datetime:
        """Expiry, timezone-aware UTC."""
        return self.certificate.not_valid_after_utc

    @property
    def fingerprint_sha256(self) -> str:
        """``AB:CD:...`` uppercase hex, the way ``openssl x509 -fingerprint -sha256`` shows it."""
        return self.certificate.fingerprint(hashes.SHA256()).hex(":").upper()


@dataclass(frozen=True)
class CertPair(_CertInfo):
    """A stored certificate/key pair on disk; contents are read lazily and cached."""

    name: str
    cert_path: Path
    key_path: Path

    @cached_property
    def cert_pem(self) -> bytes:
        return self.cert_path.read_bytes()

    @cached_property
    def key_pem(self) -> bytes:
        return self.key_path.read_bytes()

    @cached_property
    def certificate(self) -> x509.Certificate:  # type: ignore[override]
        return x509.load_pem_x509_certificate(self.cert_pem)


@dataclass(frozen=True)
class LoadedPair(_CertInfo):
    """A validated in-memory pair; ``key_pem`` is re-encoded unencrypted PKCS#8 ready to store."""

    certificate: x509.Certificate
    private_key: PrivateKey
    cert_pem: bytes
    key_pem: bytes


# ----------------------------------------------------------------------------------------------
# Loading and validating

def _load_cert(cert_pem: bytes) -> x509.Certificate:
    try:
        if b"-----BEGIN" in cert_pem:
            return x509.load_pem_x509_certificate(cert_pem)
        return x509.load_der_x509_certificate(cert_pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as e:
        raise CertError(f"cannot parse certificate: {e}") from None


def _load_key(key_pem: bytes, password: bytes | None) -> PrivateKey:
    loader = (serialization.load_pem_private_key if b"-----BEGIN" in key_pem
              else serialization.load_der_private_key)
    try:
        try:
            key = loader(key_pem, password=password or None)
        except TypeError as e:
            if password and "not encrypted" in str(e):
                key = loader(key_pem, password=None)  # a password for a plain key: be lenient
            else:
                raise CertError(f"private key is encrypted and needs a password ({e})") from None
    except ValueError as e:
        raise CertError(f"cannot read private key (garbage or wrong password): {e}") from None
    except UnsupportedAlgorithm as e:
        raise CertError(f"unsupported private key type: {e}") from None
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise CertError("only RSA and ECDSA private keys are supported")
    return key


def _spki(public_key: object) -> bytes:
    return public_key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_pair(cert_pem: bytes, key_pem: bytes, password: bytes | None = None) -> LoadedPair:
    """Parse a certificate and its key (PEM or DER, key optionally encrypted) and check they match.

    Raises ``CertError`` on unreadable input and ``KeyMismatchError`` when the key is not the cert's.
    """
    cert = _load_cert(cert_pem)
    key = _load_key(key_pem, password)
    try:
        same = _spki(cert.public_key()) == _spki(key.public_key())
    except (ValueError, TypeError, UnsupportedAlgorithm) as e:  # parsed lazily: a damaged key inside
        raise CertError(f"cannot read the certificate's public key: {e}") from None
    if not same:
        raise KeyMismatchError("the private key does not match the certificate")
    return LoadedPair(
        certificate=cert,
        private_key=key,
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()),
    )


# ----------------------------------------------------------------------------------------------
# Generating

def _present(v: str | None) -> str | None:
    """FortiADC's generate command spells an empty field ``null``."""
    if v is None or v == "" or v.lower() == "null":
        return None
    return v


Digest = Union[hashes.SHA256, hashes.SHA384, hashes.SHA512]


def _new_key(key_type: str, key_param: int | str) -> tuple[PrivateKey, Digest]:
    kt = key_type.upper()
    if kt == "RSA":
        try:
            size = int(key_param)
        except (TypeError, ValueError):
            raise CertError(f"invalid RSA key size '{key_param}'", code=-1110) from None
        if size not in RSA_KEY_SIZES:
            raise CertError(f"unsupported RSA key size {size}", code=-1110)
        return rsa.generate_private_key(public_exponent=65537, key_size=size), hashes.SHA256()
    if kt == "ECDSA":
        curve = str(key_param).lower()
        if curve not in EC_CURVES:
            raise CertError(f"unsupported ECDSA curve '{key_param}' (use {', '.join(EC_CURVES)})",
                            code=-61)
        return ec.generate_private_key(EC_CURVES[curve]()), _EC_HASH[curve]()
    raise CertError(f"unsupported key type '{key_type}' (RSA or ECDSA)", code=-61)


def generate_self_signed(
    name: str,
    key_type: str,
    key_param: int | str,
    subject: str,
    country: str | None = None,
    state: str | None = None,
    city: str | None = None,
    org: str | None = None,
    unit: str | None = None,
    email: str | None = None,
    *,
    days: int = FACTORY_DAYS,
    san_dns: Iterable[str] = (),
    san_ip: Iterable[str] = (),
) -> tuple[bytes, bytes]:
    """A self-signed server certificate; returns ``(cert_pem, key_pem)`` (key unencrypted PKCS#8).

    Arguments follow ``execute certificate local generate <name> <RSA|ECDSA> <keysize|curve> <subject>
    <country> <state> <city> <org> <unit> <email>``; ``null``/empty fields are left out. ``subject``
    becomes the CN and also a SAN (IP SAN if it parses as an address, DNS otherwise).
    """
    cn = _present(subject)
    if cn is None:
        raise CertError(f"certificate '{name}': subject must not be empty", code=-61)
    key, digest = _new_key(key_type, key_param)
    attrs: list[x509.NameAttribute] = []
    try:
        for oid, value in ((NameOID.COUNTRY_NAME, country), (NameOID.STATE_OR_PROVINCE_NAME, state),
                           (NameOID.LOCALITY_NAME, city), (NameOID.ORGANIZATION_NAME, org),
                           (NameOID.ORGANIZATIONAL_UNIT_NAME, unit), (NameOID.COMMON_NAME, cn),
                           (NameOID.EMAIL_ADDRESS, email)):
            v = _present(value)
            if v is not None:
                attrs.append(x509.NameAttribute(oid, v.upper() if oid == NameOID.COUNTRY_NAME else v))
    except ValueError as e:  # e.g. a country that is not two letters
        raise CertError(f"certificate '{name}': invalid subject field: {e}", code=-61) from None
    dn = x509.Name(attrs)

    sans: list[x509.GeneralName] = []
    seen: set[str] = set()

    def add_dns(n: str) -> None:
        if n.lower() not in seen:
            seen.add(n.lower())
            sans.append(x509.DNSName(n))

    def add_ip(a: str) -> None:
        ip = ipaddress.ip_address(a)
        if str(ip) not in seen:
            seen.add(str(ip))
            sans.append(x509.IPAddress(ip))

    try:
        add_ip(cn)
    except ValueError:
        add_dns(cn)
    for n in san_dns:
        add_dns(n)
    try:
        for a in san_ip:
            add_ip(a)
    except ValueError as e:
        raise CertError(f"certificate '{name}': invalid SAN address: {e}", code=-166) from None

    now = _dt.datetime.now(_dt.timezone.utc)
    is_rsa = isinstance(key, rsa.RSAPrivateKey)
    builder = (
        x509.CertificateBuilder()
        .subject_name(dn)
        .issuer_name(dn)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(minutes=5))  # tolerate small clock skew on clients
        .not_valid_after(now + _dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=is_rsa,
                                     content_commitment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=False, crl_sign=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    cert = builder.sign(key, digest)
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


# ----------------------------------------------------------------------------------------------
# Storage

def certs_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "certs"


def _atomic_write(path: Path, data: bytes, mode: int) -> None:
    """Write via a temp file in the same directory + fsync + ``os.replace`` (never a torn file)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dfd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def _paths(data_dir: Path, name: str) -> tuple[Path, Path]:
    if not _NAME_RE.match(name) or name.startswith("."):
        raise CertError(f"invalid certificate name '{name}'", code=-61)
    d = certs_dir(data_dir)
    return d / f"{name}.crt", d / f"{name}.key"


def store_pair(data_dir: Path, name: str, cert_pem: bytes, key_pem: bytes,
               password: bytes | None = None) -> CertPair:
    """Validate a pair with ``load_pair`` and keep it as ``certs/<name>.crt|.key`` (key first, 0600)."""
    loaded = load_pair(cert_pem, key_pem, password)
    cert_path, key_path = _paths(data_dir, name)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    _write_pair(cert_path, key_path, loaded.cert_pem, loaded.key_pem)
    return CertPair(name, cert_path, key_path)


# Every stored pair has a checksum file beside it (``<name>.sum``: the SHA-256 of the certificate and
# of the key), so a damaged file is noticed before it is served, even where it still parses.

def _sum_path(cert_path: Path) -> Path:
    return cert_path.with_suffix(".sum")


def _digest(cert_pem: bytes, key_pem: bytes) -> bytes:
    return f"{hashlib.sha256(cert_pem).hexdigest()} {hashlib.sha256(key_pem).hexdigest()}\n".encode()


def _write_pair(cert_path: Path, key_path: Path, cert_pem: bytes, key_pem: bytes) -> None:
    """Key first (0600), then the certificate, then their checksum file."""
    _atomic_write(key_path, key_pem, 0o600)
    _atomic_write(cert_path, cert_pem, 0o644)
    _atomic_write(_sum_path(cert_path), _digest(cert_pem, key_pem), 0o644)


def read_checked_pair(cert_path: Path, key_path: Path) -> tuple[bytes, bytes]:
    """A stored pair's bytes, checked against its checksum file; raises ``CertError`` naming the file
    when it is missing, unreadable or damaged. A pair stored before checksums existed gets one now."""
    try:
        cert_pem, key_pem = cert_path.read_bytes(), key_path.read_bytes()
    except OSError as e:
        raise CertError(f"{e.filename}: cannot be read ({e.strerror})") from None
    try:
        kept = _sum_path(cert_path).read_bytes()
    except FileNotFoundError:
        load_pair(cert_pem, key_pem)
        try:
            _atomic_write(_sum_path(cert_path), _digest(cert_pem, key_pem), 0o644)
        except OSError:
            pass  # a read-only or full disk: checked again next time
        return cert_pem, key_pem
    except OSError as e:
        raise CertError(f"{e.filename}: cannot be read ({e.strerror})") from None
    if kept != _digest(cert_pem, key_pem):
        raise CertError(f"{cert_path} or {key_path.name} is damaged (it does not match {_sum_path(cert_path).name})")
    return cert_pem, key_pem


def _factory_pem() -> tuple[bytes, bytes]:
    """A new ``Factory`` certificate and key (the one set of parameters for first start and regenerate)."""
    return generate_self_signed(
        FACTORY_NAME, "RSA", 2048, FACTORY_CN, org=FACTORY_ORG, days=FACTORY_DAYS,
        san_dns=(FACTORY_CN, "localhost"), san_ip=("127.0.0.1",))


@contextmanager
def _factory_lock(data_dir: Path) -> Iterator[tuple[Path, Path]]:
    """The ``Factory`` file paths, held under an ``flock`` so two processes on one data directory never
    pair one's key with the other's certificate."""
    cert_path, key_path = _paths(data_dir, FACTORY_NAME)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    with open(cert_path.parent / ".factory.lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield cert_path, key_path
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def ensure_factory_cert(data_dir: Path) -> CertPair:
    """The box's ``Factory`` certificate: generated on first call, then always the kept files.

    If both files exist but are unreadable, damaged or do not match, ``CertError`` is raised (naming
    the file and what to do) rather than silently replacing them.
    """
    with _factory_lock(data_dir) as (cert_path, key_path):
        if cert_path.is_file() and key_path.is_file():
            try:
                load_pair(*read_checked_pair(cert_path, key_path))
            except CertError as e:
                raise CertError(f"{e.reason}; the Factory certificate cannot be used. Restore "
                                f"{cert_path.name} and {key_path.name} from a backup, or remove them "
                                "(and Factory.sum) to have a new one made") from None
            if key_path.stat().st_mode & 0o077:
                os.chmod(key_path, 0o600)
        else:
            _write_pair(cert_path, key_path, *_factory_pem())
    return CertPair(FACTORY_NAME, cert_path, key_path)


def regenerate_factory_cert(data_dir: Path) -> CertPair:
    """A new key and certificate for ``Factory`` in place of the old ones."""
    with _factory_lock(data_dir):
        return store_pair(data_dir, FACTORY_NAME, *_factory_pem())


# ----------------------------------------------------------------------------------------------
# Files as the operator hands them in

_PEM_CERT = re.compile(rb"-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----.+?-----END (?:X509 |TRUSTED )?CERTIFICATE-----", re.S)
_PEM_KEY = re.compile(rb"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.+?-----END \1PRIVATE KEY-----", re.S)


def split_bundle(data: bytes, path: str) -> tuple[bytes, bytes]:
    """A combined PEM (certificate + key, any order) or an unencrypted PKCS#12 file -> (cert, key)."""
    if b"-----BEGIN" in data:
        cert, key = _PEM_CERT.search(data), _PEM_KEY.search(data)
        if cert is None:
            raise CertError(f"{path}: no certificate in the file")
        if key is None:
            raise CertError(f"{path}: no private key in the file (use import-pair for separate files)")
        return cert.group(0), key.group(0)
    try:
        key_obj, cert_obj, _ = pkcs12.load_key_and_certificates(data, None)
    except (ValueError, TypeError) as e:
        raise CertError(f"{path}: neither PEM nor an unencrypted PKCS#12 file ({e})") from None
    if key_obj is None or cert_obj is None:
        raise CertError(f"{path}: the PKCS#12 file lacks a certificate or a private key")
    return (cert_obj.public_bytes(serialization.Encoding.PEM),
            key_obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
