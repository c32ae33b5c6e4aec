"""``execute certificate local ...``: make, import, export and regenerate local certificates.

The real box fetches and sends files over TFTP; the emulator reads and writes LOCAL files instead (the path
as typed, relative to the current directory) and accepts and ignores the TFTP address, so the command lines
of real scripts work unchanged. Stored pairs land in the appliance's certificate directory as
``<name>.crt``/``<name>.key`` (what the data-plane spec compiler expects), and the
``config system certificate local`` entry is committed through the store like any other change.

Fidelity lines (for docs/fidelity.md):

- ``execute certificate local generate`` makes a self-signed certificate usable at once; FortiADC makes a
  key and a certificate signing request (``csr-file``) to be signed elsewhere and imported later. The
  printed lines are the real ones ("Generating X.509 certificate request" included).
- ``execute certificate local import``/``import-pair``/``export`` use local files (path as given, relative
  to the current directory) instead of TFTP; the TFTP address is accepted and ignored.
- Imported keys are stored unencrypted (mode 0600); the key password is used only to read the file and is
  not kept in the entry's ``password`` field. Only the first certificate of a file is kept (no chain).
- ``import tftp`` takes a combined PEM (certificate + private key) or an unencrypted PKCS#12 file.
- ``export`` writes the certificate only (PEM) and prints nothing.
"""
from __future__ import annotations

import fcntl
import re
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from ..certs import (FACTORY_CN, FACTORY_DAYS, FACTORY_NAME, FACTORY_ORG, CertError, certs_dir,
                     generate_self_signed, store_pair)
from ..config.store import Change
from ..config.tree import Entry, TableData
from ..errors import CommandFail, UsageError
from .verb import Verb
from .words import match

if TYPE_CHECKING:
    from .session import Session

LOCAL_PATH = ("system", "certificate", "local")

U_GENERATE = ("Usage: execute certificate local generate <name> <RSA|ECDSA> <keysize|curve> <subject> "
              "<country> <state> <city> <org> <unit> <email>")
U_IMPORT_PAIR = "Usage: execute certificate local import-pair tftp <cert-file> <key-file> <key-password|null> <tftp-ip>"
U_IMPORT = "Usage: execute certificate local import tftp <file> <tftp-ip>"
U_EXPORT = "Usage: execute certificate local export tftp <name> <file> <tftp-ip>"
U_REGENERATE = "Usage: execute certificate local regenerate"

# What the box prints for an ECDSA key: the bit count it reports for secp521r1 is 512 (CLI744 transcript).
_EC_BITS = {"secp256r1": 256, "prime256v1": 256, "secp384r1": 384, "secp521r1": 512}
_EC_DIGEST = {"secp256r1": "SHA-256", "prime256v1": "SHA-256", "secp384r1": "SHA-384", "secp521r1": "SHA-512"}

_PEM_CERT = re.compile(rb"-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----.+?-----END (?:X509 |TRUSTED )?CERTIFICATE-----", re.S)
_PEM_KEY = re.compile(rb"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.+?-----END \1PRIVATE KEY-----", re.S)


# ---------------------------------------------------------------------------------------------- helpers

def _null(v: str) -> str | None:
    return None if v.lower() == "null" or v == "" else v


def _entries(s: "Session") -> TableData:
    node = s.store.tree.nodes.get(LOCAL_PATH)
    return node if isinstance(node, TableData) else TableData()


def _check_new(s: "Session", name: str) -> None:
    if _entries(s).get(name) is not None:
        raise CommandFail(-15, f"local certificate '{name}' already exists")


def _tftp(word: str, usage: str) -> None:
    """The transfer word: ``tftp`` (or a prefix of it), the only one the emulator knows."""
    match(word, ["tftp"], UsageError(usage))


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise CommandFail(-24, f"cannot read {path}: {e.strerror or e}") from None


def _name_from_file(path: str) -> str:
    """``certs/ws-cert.crt`` -> ``ws-cert`` (FortiADC names the entry after the uploaded file)."""
    return Path(path).stem


def _save(s: "Session", name: str, cert_pem: bytes, key_pem: bytes, password: bytes | None = None) -> None:
    """Store the pair (validated) under the cert dir, then commit the config entry."""
    pair = store_pair(s.app.base_dir, name, cert_pem, key_pem, password)  # type: ignore[attr-defined]
    entry = Entry(name, {"certificate-file": pair.cert_path.name, "private-key-file": pair.key_path.name})
    s.store.commit(Change(LOCAL_PATH, name, entry))


# ---------------------------------------------------------------------------------------------- verbs

def _generate(s: "Session", args: list[str]) -> list[str]:
    if len(args) != 10:
        raise UsageError(U_GENERATE)
    name, key_type, param, subject, country, state, city, org, unit, email = args
    _check_new(s, name)
    kt = key_type.upper()
    cert_pem, key_pem = generate_self_signed(
        name, kt, param, subject, _null(country), _null(state), _null(city), _null(org), _null(unit), _null(email))
    _save(s, name, cert_pem, key_pem)
    if kt == "ECDSA":
        curve = param.lower()
        first = (f"Generating a {_EC_BITS.get(curve, 0)} bit ECDSA private key with curve name {curve} "
                 f"and message digest algorithm {_EC_DIGEST.get(curve, 'SHA-256')}")
    else:
        first = f"Generating a {int(param)} bit RSA private key"
    return [first, "Generating X.509 certificate request", "Done."]


def _import_pair(s: "Session", args: list[str]) -> list[str]:
    if len(args) != 5:
        raise UsageError(U_IMPORT_PAIR)
    _tftp(args[0], U_IMPORT_PAIR)
    _, cert_file, key_file, password, _tftp_ip = args
    name = _name_from_file(cert_file)
    _check_new(s, name)
    cert_pem, key_pem = _read(cert_file), _read(key_file)
    pw = _null(password)
    _save(s, name, cert_pem, key_pem, pw.encode() if pw is not None else None)
    return []


def _split_bundle(data: bytes, path: str) -> tuple[bytes, bytes]:
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


def _import(s: "Session", args: list[str]) -> list[str]:
    if len(args) != 3:
        raise UsageError(U_IMPORT)
    _tftp(args[0], U_IMPORT)
    _, path, _tftp_ip = args
    name = _name_from_file(path)
    _check_new(s, name)
    cert_pem, key_pem = _split_bundle(_read(path), path)
    _save(s, name, cert_pem, key_pem)
    return []


def _export(s: "Session", args: list[str]) -> list[str]:
    if len(args) != 4:
        raise UsageError(U_EXPORT)
    _tftp(args[0], U_EXPORT)
    _, name, target, _tftp_ip = args
    if _entries(s).get(name) is None:
        raise CommandFail(-13, f"local certificate '{name}' not found")
    if name == FACTORY_NAME:
        pair = s.app.ensure_factory_cert()  # type: ignore[attr-defined]
        cert_path = pair.cert_path
    else:
        cert_path = certs_dir(s.app.base_dir) / f"{name}.crt"  # type: ignore[attr-defined]
    data = _read(str(cert_path))
    try:
        Path(target).write_bytes(data)
    except OSError as e:
        raise CommandFail(-24, f"cannot write {target}: {e.strerror or e}") from None
    return []


def regenerate_factory(base_dir: Path) -> None:
    """New key and certificate for ``Factory`` (same parameters as the first one), under the same lock
    ``certs.ensure_factory_cert`` takes so a starting process never pairs an old key with a new cert."""
    cert_pem, key_pem = generate_self_signed(
        FACTORY_NAME, "RSA", 2048, FACTORY_CN, org=FACTORY_ORG, days=FACTORY_DAYS,
        san_dns=(FACTORY_CN, "localhost"), san_ip=("127.0.0.1",))
    d = certs_dir(base_dir)
    d.mkdir(parents=True, exist_ok=True)
    with open(d / ".factory.lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            store_pair(base_dir, FACTORY_NAME, cert_pem, key_pem)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _regenerate(s: "Session", args: list[str]) -> list[str]:
    if args:
        raise UsageError(U_REGENERATE)
    regenerate_factory(s.app.base_dir)  # type: ignore[attr-defined]
    return ["self certificate regenerated!"]


CERT_VERBS: tuple[Verb, ...] = (
    Verb(("certificate", "local", "export"), "export a local certificate", U_EXPORT, _export),
    Verb(("certificate", "local", "generate"), "generate a local certificate", U_GENERATE, _generate),
    Verb(("certificate", "local", "import"), "import a certificate and key from one file", U_IMPORT, _import),
    Verb(("certificate", "local", "import-pair"), "import a certificate and its key", U_IMPORT_PAIR, _import_pair),
    Verb(("certificate", "local", "regenerate"), "regenerate the Factory certificate", U_REGENERATE, _regenerate),
)

__all__ = ["CERT_VERBS", "regenerate_factory"]
