"""``execute certificate local ...``: make, import, export and regenerate local certificates.

The real box fetches and sends files over TFTP; the emulator reads and writes the files folder instead (the
appliance's one folder for the operator's files, ``adc --files-dir``; names are relative to it and cannot
lead out of it) and accepts and ignores the TFTP address, so the command lines of real scripts work
unchanged. The appliance keeps the pairs (``ApplianceOps.store_certificate``: the
certificate directory's ``<name>.crt``/``<name>.key``, what the data-plane spec compiler expects), and the
``config system certificate local`` entry is committed through the session like any other change.

Fidelity lines (for docs/fidelity.md):

- ``execute certificate local generate`` makes a self-signed certificate usable at once; FortiADC makes a
  key and a certificate signing request (``csr-file``) to be signed elsewhere and imported later. The
  printed lines are the real ones ("Generating X.509 certificate request" included).
- ``execute certificate local import``/``import-pair``/``export`` read and write the files folder (``adc
  --files-dir``, default ``<data dir>/files``) instead of a TFTP server; the TFTP address is accepted and
  ignored. A name leading out of the folder (absolute, ``..``, a symbolic link) is refused with -37.
- Imported keys are stored unencrypted (mode 0600); the key password is used only to read the file and is
  not kept in the entry's ``password`` field. Only the first certificate of a file is kept (no chain).
- ``import tftp`` takes a combined PEM (certificate + private key) or an unencrypted PKCS#12 file.
- ``export`` writes the certificate only (PEM) and prints nothing.
"""
from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING

from ..certs import FACTORY_NAME, generate_self_signed, split_bundle
from ..config.store import Change
from ..config.tree import Entry, TableData
from ..errors import CommandFail, UsageError
from .config_verbs import read_named, write_named
from .verb import Verb
from .words import match

if TYPE_CHECKING:
    from .context import Context

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

# The largest certificate, key or PKCS#12 file an import reads.
MAX_CERT_FILE = 1 << 20


# ---------------------------------------------------------------------------------------------- helpers

def _null(v: str) -> str | None:
    return None if v.lower() == "null" or v == "" else v


def _entries(ctx: "Context") -> TableData:
    node = ctx.store.tree.nodes.get(LOCAL_PATH)
    return node if isinstance(node, TableData) else TableData()


def _check_new(ctx: "Context", name: str) -> None:
    if _entries(ctx).get(name) is not None:
        raise CommandFail(-15, f"local certificate '{name}' already exists")


def _tftp(word: str, usage: str) -> None:
    """The transfer word: ``tftp`` (or a prefix of it), the only one the emulator knows."""
    match(word, ["tftp"], UsageError(usage))


def _read(ctx: "Context", name: str) -> bytes:
    return read_named(ctx, name, MAX_CERT_FILE)


def _name_from_file(path: str) -> str:
    """``certs/ws-cert.crt`` -> ``ws-cert`` (FortiADC names the entry after the uploaded file)."""
    return PurePath(path).stem


def _save(ctx: "Context", name: str, cert_pem: bytes, key_pem: bytes, password: bytes | None = None) -> None:
    """Keep the pair (validated) through the appliance, then commit the config entry."""
    cert_file, key_file = ctx.app.store_certificate(name, cert_pem, key_pem, password)
    ctx.commit(Change(LOCAL_PATH, name, Entry(name, {"certificate-file": cert_file, "private-key-file": key_file})))


# ---------------------------------------------------------------------------------------------- verbs

def _generate(ctx: "Context", args: list[str]) -> list[str]:
    if len(args) != 10:
        raise UsageError(U_GENERATE)
    name, key_type, param, subject, country, state, city, org, unit, email = args
    _check_new(ctx, name)
    kt = key_type.upper()
    cert_pem, key_pem = generate_self_signed(
        name, kt, param, subject, _null(country), _null(state), _null(city), _null(org), _null(unit), _null(email))
    _save(ctx, name, cert_pem, key_pem)
    if kt == "ECDSA":
        curve = param.lower()
        first = (f"Generating a {_EC_BITS.get(curve, 0)} bit ECDSA private key with curve name {curve} "
                 f"and message digest algorithm {_EC_DIGEST.get(curve, 'SHA-256')}")
    else:
        first = f"Generating a {int(param)} bit RSA private key"
    return [first, "Generating X.509 certificate request", "Done."]


def _import_pair(ctx: "Context", args: list[str]) -> list[str]:
    if len(args) != 5:
        raise UsageError(U_IMPORT_PAIR)
    _tftp(args[0], U_IMPORT_PAIR)
    _, cert_file, key_file, password, _tftp_ip = args
    name = _name_from_file(cert_file)
    _check_new(ctx, name)
    cert_pem, key_pem = _read(ctx, cert_file), _read(ctx, key_file)
    pw = _null(password)
    _save(ctx, name, cert_pem, key_pem, pw.encode() if pw is not None else None)
    return []


def _import(ctx: "Context", args: list[str]) -> list[str]:
    if len(args) != 3:
        raise UsageError(U_IMPORT)
    _tftp(args[0], U_IMPORT)
    _, path, _tftp_ip = args
    name = _name_from_file(path)
    _check_new(ctx, name)
    cert_pem, key_pem = split_bundle(_read(ctx, path), path)
    _save(ctx, name, cert_pem, key_pem)
    return []


def _export(ctx: "Context", args: list[str]) -> list[str]:
    if len(args) != 4:
        raise UsageError(U_EXPORT)
    _tftp(args[0], U_EXPORT)
    _, name, target, _tftp_ip = args
    if _entries(ctx).get(name) is None:
        raise CommandFail(-13, f"local certificate '{name}' not found")
    try:
        data = ctx.app.certificate_pem(name)
    except OSError as e:
        raise CommandFail(-24, f"cannot read {e.filename or name}: {e.strerror or e}") from None
    write_named(ctx, target, data)
    return []


def _regenerate(ctx: "Context", args: list[str]) -> list[str]:
    if args:
        raise UsageError(U_REGENERATE)
    ctx.notes.extend(ctx.app.regenerate_factory_certificate())
    return ["self certificate regenerated!"]


CERT_VERBS: tuple[Verb, ...] = (
    Verb(("certificate", "local", "export"), "export a local certificate", U_EXPORT, _export),
    Verb(("certificate", "local", "generate"), "generate a local certificate", U_GENERATE, _generate),
    Verb(("certificate", "local", "import"), "import a certificate and key from one file", U_IMPORT, _import),
    Verb(("certificate", "local", "import-pair"), "import a certificate and its key", U_IMPORT_PAIR, _import_pair),
    Verb(("certificate", "local", "regenerate"), "regenerate the Factory certificate", U_REGENERATE, _regenerate),
)

__all__ = ["CERT_VERBS", "FACTORY_NAME"]
