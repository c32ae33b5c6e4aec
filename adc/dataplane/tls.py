"""TLS for the data plane: ``ssl.SSLContext`` objects built from the frozen specs, plus trivial wrappers.

Everything here except the two ``wrap_*`` helpers is sans-IO: a spec goes in, a configured context comes
out. Contexts are cached (specs are frozen and hashable), keyed also on the certificate files' stat
stamps, so ``execute certificate local regenerate`` (same paths, new files) yields fresh contexts the
next time ``server_context`` is called (the runtime calls it at reconcile and in
``Dataplane.refresh_tls``, never per connection), while unchanged files keep giving one context object.

What the local OpenSSL allows decides what is served (the box's own profile values are kept as they are
in the config):

* **Versions.** ``sslv3`` is never available (OpenSSL 3 is built without it). TLS 1.0/1.1 need SHA-1/MD5
  handshake signatures, which OpenSSL 3 refuses at any security level above 0 (OpenSSL 1.1 above 1); we do
  *not* lower the security level, so those versions are dropped too. The allowed set is intersected with
  what is usable; if nothing is left (a profile allowing only ``tlsv1.0``), the nearest usable version is
  served instead so the listener still works, and ``version_range(...).note`` says so for the log.
* **Ciphers.** Profile cipher names are OpenSSL names already; each is tried on its own and the ones this
  OpenSSL refuses (RC4, DES, eNULL... at the default security level) are dropped. If none is left the
  OpenSSL default list is kept (``cipher_list(...).note`` says so). TLS 1.3 suites are never touched: the
  box configures them separately and ``set_ciphers`` does not affect them.
* **Keys.** A certificate OpenSSL refuses to load (e.g. an RSA-1024 key at security level 2, a key that
  does not match, a missing file) raises ``TLSConfigError``; the runtime then does not serve that
  virtual server and tells the operator the error text as the reason.
"""
from __future__ import annotations

import functools
import os
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import trio
from cryptography import x509
from cryptography.x509.oid import NameOID

from ..certs import CertError, read_checked_pair
from ..schema import compat
from .spec import CertSpec, ClientTLSSpec, UpstreamTLS

# Profile spelling -> (stdlib enum, the ssl.HAS_* flag telling whether this OpenSSL was built with it).
_VERSIONS: dict[str, tuple[ssl.TLSVersion, bool]] = {
    "sslv3": (ssl.TLSVersion.SSLv3, ssl.HAS_SSLv3),
    "tlsv1.0": (ssl.TLSVersion.TLSv1, ssl.HAS_TLSv1),
    "tlsv1.1": (ssl.TLSVersion.TLSv1_1, ssl.HAS_TLSv1_1),
    "tlsv1.2": (ssl.TLSVersion.TLSv1_2, ssl.HAS_TLSv1_2),
    "tlsv1.3": (ssl.TLSVersion.TLSv1_3, ssl.HAS_TLSv1_3),
}
_ORDER = compat.SSL_VERSIONS  # oldest first: the one order of versions (validation's -4222 reads it too)
assert set(_ORDER) == set(_VERSIONS)

DEFAULT_ALPN: tuple[str, ...] = ("http/1.1",)


class TLSConfigError(ValueError):
    """A TLS setting the local OpenSSL cannot load (unreadable or too-weak certificate/key)."""


@dataclass(frozen=True)
class VersionRange:
    minimum: ssl.TLSVersion
    maximum: ssl.TLSVersion
    note: str = ""  # non-empty when the configured set had to be changed


@dataclass(frozen=True)
class CipherList:
    openssl: str  # the string for ``set_ciphers``; empty = keep OpenSSL's default list
    dropped: tuple[str, ...] = ()
    note: str = ""


@functools.lru_cache(maxsize=1)
def _legacy_usable() -> bool:
    """Whether TLS 1.0/1.1 handshakes can complete at the default security level of this OpenSSL."""
    level = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).security_level
    return level == 0 or (ssl.OPENSSL_VERSION_INFO < (3,) and level <= 1)


def usable_versions() -> tuple[str, ...]:
    """The profile version names this process can actually negotiate, oldest first."""
    legacy = _legacy_usable()
    return tuple(
        name for name in _ORDER
        if _VERSIONS[name][1] and (legacy or _VERSIONS[name][0] >= ssl.TLSVersion.TLSv1_2)
    )


@functools.lru_cache(maxsize=256)
def version_range(versions: tuple[str, ...]) -> VersionRange:
    """Minimum/maximum protocol for a profile's ``ssl-allowed-versions`` (see the module docstring)."""
    usable = usable_versions()
    wanted = [v.lower() for v in versions if v.lower() in _VERSIONS]
    if not wanted:
        wanted = ["tlsv1.2"]
    lo, hi = min(wanted, key=_ORDER.index), max(wanted, key=_ORDER.index)
    span = [v for v in _ORDER[_ORDER.index(lo): _ORDER.index(hi) + 1] if v in usable]
    note = ""
    if not span:
        # Nothing configured is usable: serve the usable version closest to what was asked.
        nearest = min(usable, key=lambda v: abs(_ORDER.index(v) - _ORDER.index(hi)))
        span = [nearest]
        note = f"none of {' '.join(versions) or '(none)'} is usable with {ssl.OPENSSL_VERSION}; serving {nearest}"
    elif span[0] != lo or span[-1] != hi:
        dropped = [v for v in _ORDER[_ORDER.index(lo): _ORDER.index(hi) + 1] if v not in usable]
        served = span[0] if len(span) == 1 else f"{span[0]}-{span[-1]}"
        note = f"{' '.join(dropped)} not usable with {ssl.OPENSSL_VERSION}; serving {served}"
    return VersionRange(_VERSIONS[span[0]][0], _VERSIONS[span[-1]][0], note)


@functools.lru_cache(maxsize=1024)
def _cipher_known(name: str) -> bool:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        ctx.set_ciphers(name)
    except ssl.SSLError:
        return False
    return True


@functools.lru_cache(maxsize=256)
def cipher_list(ciphers: tuple[str, ...]) -> CipherList:
    """Profile cipher names (space- or colon-separated) filtered to those this OpenSSL accepts."""
    names = [n for item in ciphers for n in item.split(":") if n]
    if not names:
        return CipherList("")
    known = [n for n in names if _cipher_known(n)]
    dropped = tuple(n for n in names if n not in known)
    if not known:
        return CipherList("", dropped, f"no configured cipher is available in {ssl.OPENSSL_VERSION}; using the default list")
    note = f"ciphers not available in {ssl.OPENSSL_VERSION}: {' '.join(dropped)}" if dropped else ""
    return CipherList(":".join(known), dropped, note)


def _configure(ctx: ssl.SSLContext, versions: tuple[str, ...], ciphers: tuple[str, ...], alpn: tuple[str, ...]) -> None:
    vr = version_range(versions)
    ctx.minimum_version = vr.minimum
    ctx.maximum_version = vr.maximum
    cl = cipher_list(ciphers)
    if cl.openssl:
        ctx.set_ciphers(cl.openssl)
    if alpn:
        ctx.set_alpn_protocols(list(alpn))


# ---------------------------------------------------------------------------------------------- server side

Stamp = tuple[int, int, int]  # (st_ino, st_size, st_mtime_ns); all zero when the file is missing


def _stamp(path: Path) -> Stamp:
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0, 0)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _cert_stamp(cert: CertSpec) -> tuple[Stamp, Stamp]:
    return (_stamp(cert.cert_path), _stamp(cert.key_path))


def cert_names(cert_path: Path) -> tuple[str, ...]:
    """The DNS names a certificate answers for: SAN DNS entries, then the subject CN (lower case)."""
    try:
        cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    except (OSError, ValueError):
        return ()
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names.extend(san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        pass
    names.extend(str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME))
    return tuple(dict.fromkeys(n.lower().rstrip(".") for n in names if n))


def name_matches(pattern: str, host: str) -> bool:
    """``www.a.test`` matches itself; ``*.b.test`` matches exactly one extra label (``x.b.test``)."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern == host:
        return True
    if pattern.startswith("*."):
        label, dot, rest = host.partition(".")
        return bool(label) and bool(dot) and rest == pattern[2:]
    return False


def choose_cert(certs: Iterable[tuple[CertSpec, tuple[str, ...]]], server_name: str | None) -> CertSpec | None:
    """The certificate for an SNI name: an exact name first, then a wildcard; None = no match."""
    if not server_name:
        return None
    pairs = list(certs)
    host = server_name.lower().rstrip(".")
    for cert, names in pairs:
        if host in names:
            return cert
    for cert, names in pairs:
        if any(n.startswith("*.") and name_matches(n, host) for n in names):
            return cert
    return None


@functools.lru_cache(maxsize=512)
def _cert_context(cert: CertSpec, versions: tuple[str, ...], ciphers: tuple[str, ...], alpn: tuple[str, ...],
                  stamp: tuple[Stamp, Stamp], tickets: bool = True) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _configure(ctx, versions, ciphers, alpn)
    if not tickets:
        ctx.options |= ssl.OP_NO_TICKET  # resumption by session id, so the id names the session
    try:
        read_checked_pair(cert.cert_path, cert.key_path)  # a damaged file is refused even where it parses
        ctx.load_cert_chain(str(cert.cert_path), str(cert.key_path))
    except (OSError, ssl.SSLError, CertError) as e:
        raise TLSConfigError(f"certificate '{cert.name}' cannot be served: {e}") from None
    return ctx


@functools.lru_cache(maxsize=256)
def _server_context(spec: ClientTLSSpec, alpn: tuple[str, ...], stamps: tuple[tuple[Stamp, Stamp], ...],
                    tickets: bool = True) -> ssl.SSLContext:
    certs = (spec.default,) + spec.others
    subs = {c: _cert_context(c, spec.versions, spec.ciphers, alpn, s, tickets) for c, s in zip(certs, stamps)}
    main = subs[spec.default]
    if spec.others:
        table = tuple((c, cert_names(c.cert_path)) for c in certs)
        main.sni_callback = functools.partial(sni_callback, table=table, contexts=subs)
    else:
        main.sni_callback = record_sni
    return main


SNI_ATTR = "adc_server_name"  # where the client's SNI is kept on the SSLObject (content routing by sni)


def record_sni(sslobj: ssl.SSLObject | ssl.SSLSocket, server_name: str | None, ctx: ssl.SSLContext) -> None:
    """Keep the client's server name on the connection, for content routing (``object sni``)."""
    setattr(sslobj, SNI_ATTR, server_name or "")
    return None


def client_sni(stream: object) -> str:
    """The server name a client sent in its TLS hello on a server-side ``trio.SSLStream`` ('' if none)."""
    return str(getattr(getattr(stream, "_ssl_object", None), SNI_ATTR, ""))


def sni_callback(sslobj: ssl.SSLObject | ssl.SSLSocket, server_name: str | None, ctx: ssl.SSLContext, *,
                 table: tuple[tuple[CertSpec, tuple[str, ...]], ...],
                 contexts: dict[CertSpec, ssl.SSLContext]) -> None:
    """Switch the connection to the certificate the client's SNI names; stay on the default otherwise."""
    record_sni(sslobj, server_name, ctx)
    chosen = choose_cert(table, server_name)
    if chosen is not None:
        sub = contexts[chosen]
        if sub is not ctx:
            sslobj.context = sub
    return None


def server_context(spec: ClientTLSSpec, alpn: tuple[str, ...] = DEFAULT_ALPN, tickets: bool = True) -> ssl.SSLContext:
    """The listening context for a client SSL profile: default certificate, SNI choice among the others.

    ``tickets=False`` (for SSL session id persistence) makes TLS 1.2 resume by session id, so the id
    the client presents is stable from its first connection on.

    Cheap to call again (cached; one ``stat`` per file): calling it again after certificate files were
    replaced picks them up without restarting the listener. Raises ``TLSConfigError``.
    """
    stamps = tuple(_cert_stamp(c) for c in (spec.default,) + spec.others)
    return _server_context(spec, tuple(alpn), stamps, tickets)


def server_notes(spec: ClientTLSSpec) -> list[str]:
    """Log lines for what ``server_context`` had to change about the profile (versions, ciphers)."""
    return [n for n in (version_range(spec.versions).note, cipher_list(spec.ciphers).note) if n]


# ---------------------------------------------------------------------------------------------- upstream side

@functools.lru_cache(maxsize=256)
def upstream_context(tls: UpstreamTLS, alpn: tuple[str, ...] = ()) -> ssl.SSLContext:
    """The client context for re-encrypting to pool members (``real-server-ssl-profile``).

    ``server-cert-verify`` empty: no verification (HAProxy's ``verify none``, the usual lab set-up). Set:
    the member's chain must verify against the system default CAs; the verify object's own CA list is not
    modelled yet, and the host name is not checked (FortiADC verifies the chain, not the name). Pass
    ``alpn=("http/1.1",)`` for HTTP pools so an h2-capable member does not pick h2.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _configure(ctx, tls.versions, tls.ciphers, alpn)
    ctx.check_hostname = False
    if tls.verify:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
    else:
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def upstream_notes(tls: UpstreamTLS) -> list[str]:
    return [n for n in (version_range(tls.versions).note, cipher_list(tls.ciphers).note) if n]


def _host_only(host_header: str) -> str:
    h = host_header.strip()
    if h.startswith("["):  # [v6]:port
        end = h.find("]")
        return h[1:end] if end > 0 else ""
    if h.count(":") == 1:
        h = h.split(":", 1)[0]
    return h.rstrip(".")


def upstream_server_hostname(tls: UpstreamTLS, host_header: str, member_host: str) -> str | None:
    """The SNI to send to a member: the profile's fixed ``sni``, else the client's Host (no port) with
    ``ssl-sni-forward enable``, else none (FortiADC sends no SNI unless told to). ``member_host`` is
    accepted for a future default-to-member-name rule and not used. An IP literal is returned as is;
    the ssl module never puts an address in the SNI extension.
    """
    if tls.sni:
        return tls.sni
    if tls.sni_forward:
        return _host_only(host_header) or None
    return None


# ---------------------------------------------------------------------------------------------- trio wrappers

async def wrap_server(stream: trio.abc.Stream, ctx: ssl.SSLContext, https_compatible: bool = True) -> trio.SSLStream[trio.abc.Stream]:
    """Server side of a TLS connection. The handshake is lazy: the caller runs ``do_handshake()`` under
    its own timeout (the profile's client timeout)."""
    return trio.SSLStream(stream, ctx, server_side=True, https_compatible=https_compatible)


async def wrap_client(stream: trio.abc.Stream, ctx: ssl.SSLContext, server_hostname: str | None,
                      https_compatible: bool = True) -> trio.SSLStream[trio.abc.Stream]:
    """Client side towards a member; ``server_hostname`` from ``upstream_server_hostname``."""
    return trio.SSLStream(stream, ctx, server_hostname=server_hostname, https_compatible=https_compatible)
