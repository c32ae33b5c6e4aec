"""The data plane's TLS contexts, exercised with real handshakes (in-memory BIOs and loopback sockets),
and their life in a running ``Dataplane``: built at reconcile, reloaded by ``refresh_tls``."""
from __future__ import annotations

import socket
import ssl
from dataclasses import replace
from pathlib import Path

import pytest
import trio
from cryptography import x509
from cryptography.x509.oid import NameOID

from adc.certs import generate_self_signed, store_pair
from adc.dataplane.runtime import Dataplane
from adc.dataplane.spec import CertSpec, ClientTLSSpec, DataplaneSpec, UpstreamTLS, VirtualServerSpec
from adc.dataplane.tls import (TLSConfigError, choose_cert, cipher_list, name_matches, server_context, server_notes,
                               upstream_context, upstream_server_hostname, version_range, wrap_client, wrap_server)

from .dataplane_helpers import free_port, vs_ip
from .http_servers import make_member, make_vs, running_dataplane

MODERN = ("tlsv1.2", "tlsv1.3")


def _cert(data_dir: Path, name: str, cn: str, *sans: str) -> CertSpec:
    cert_pem, key_pem = generate_self_signed(name, "ECDSA", "secp256r1", cn, san_dns=sans)
    pair = store_pair(data_dir, name, cert_pem, key_pem)
    return CertSpec(name, pair.cert_path, pair.key_path)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CertSpec]:
    d = tmp_path_factory.mktemp("tls")
    return {
        "a": _cert(d, "site-a", "www.a.test"),
        "b": _cert(d, "site-b", "b.test", "*.b.test"),
        "default": _cert(d, "dflt", "default.test"),
    }


def _spec(certs: dict[str, CertSpec], versions: tuple[str, ...] = MODERN, ciphers: tuple[str, ...] = ()) -> ClientTLSSpec:
    return ClientTLSSpec("prof", versions, ciphers, certs["default"], (certs["a"], certs["b"]))


def _client_ctx(maximum: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    if maximum is not None:
        ctx.maximum_version = maximum
    return ctx


def handshake(server: ssl.SSLContext, client: ssl.SSLContext, sni: str | None) -> tuple[ssl.SSLObject, ssl.SSLObject]:
    """A full TLS handshake between two SSLObjects over memory BIOs; raises the first ssl error."""
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    cli = client.wrap_bio(c_in, c_out, server_side=False, server_hostname=sni)
    srv = server.wrap_bio(s_in, s_out, server_side=True)
    done = {"c": False, "s": False}
    for _ in range(20):
        for key, obj in (("c", cli), ("s", srv)):
            if not done[key]:
                try:
                    obj.do_handshake()
                    done[key] = True
                except ssl.SSLWantReadError:
                    pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if all(done.values()) and not c_out.pending and not s_out.pending:
            return cli, srv
    raise AssertionError("handshake did not finish")


def peer_cn(obj: ssl.SSLObject) -> str:
    der = obj.getpeercert(binary_form=True)
    assert der is not None
    return str(x509.load_der_x509_certificate(der).subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


# ------------------------------------------------------------------------------------------ server side
def test_handshake_serves_default_cert_and_alpn(certs: dict[str, CertSpec]) -> None:
    cli, srv = handshake(server_context(_spec(certs)), _client_ctx(), None)
    assert peer_cn(cli) == "default.test"
    assert cli.selected_alpn_protocol() == "http/1.1"
    assert cli.version() == "TLSv1.3"


@pytest.mark.parametrize(
    "sni, cn",
    [
        ("www.a.test", "www.a.test"),
        ("WWW.A.TEST", "www.a.test"),
        ("x.b.test", "b.test"),  # the wildcard
        ("b.test", "b.test"),  # the CN of the wildcard certificate
        ("deep.x.b.test", "default.test"),  # a wildcard covers one label only
        ("a.test", "default.test"),
        ("unknown.example", "default.test"),
        ("default.test", "default.test"),
    ],
)
def test_sni_chooses_among_three(certs: dict[str, CertSpec], sni: str, cn: str) -> None:
    cli, _ = handshake(server_context(_spec(certs)), _client_ctx(), sni)
    assert peer_cn(cli) == cn


def test_sni_on_tls12_too(certs: dict[str, CertSpec]) -> None:
    cli, _ = handshake(server_context(_spec(certs)), _client_ctx(ssl.TLSVersion.TLSv1_2), "q.b.test")
    assert peer_cn(cli) == "b.test" and cli.version() == "TLSv1.2"
    assert cli.selected_alpn_protocol() == "http/1.1"


def test_name_matching_rules() -> None:
    assert name_matches("*.b.test", "x.b.test")
    assert not name_matches("*.b.test", "b.test")
    assert not name_matches("*.b.test", "y.x.b.test")
    assert not name_matches("*.b.test", ".b.test")
    assert name_matches("www.a.test", "www.a.test.")
    exact = CertSpec("e", Path("e.crt"), Path("e.key"))
    wild = CertSpec("w", Path("w.crt"), Path("w.key"))
    table = [(wild, ("*.c.test",)), (exact, ("www.c.test",))]
    assert choose_cert(table, "www.c.test") is exact  # exact beats an earlier wildcard
    assert choose_cert(table, "img.c.test") is wild
    assert choose_cert(table, None) is None


def test_tls13_only_server_refuses_tls12_client(certs: dict[str, CertSpec]) -> None:
    server = server_context(_spec(certs, versions=("tlsv1.3",)))
    with pytest.raises(ssl.SSLError):
        handshake(server, _client_ctx(ssl.TLSVersion.TLSv1_2), None)
    cli, _ = handshake(server, _client_ctx(), None)
    assert cli.version() == "TLSv1.3"


def test_tls12_only_server(certs: dict[str, CertSpec]) -> None:
    cli, _ = handshake(server_context(_spec(certs, versions=("tlsv1.2",))), _client_ctx(), None)
    assert cli.version() == "TLSv1.2"


def test_old_versions_are_clamped_never_crash(certs: dict[str, CertSpec]) -> None:
    vr = version_range(("sslv3", "tlsv1.0", "tlsv1.1", "tlsv1.2"))
    assert vr.maximum == ssl.TLSVersion.TLSv1_2
    assert not ssl.HAS_SSLv3 or vr.minimum <= ssl.TLSVersion.TLSv1_2
    assert "sslv3" in vr.note or ssl.HAS_SSLv3
    only_old = version_range(("tlsv1.0",))
    if only_old.note:  # this OpenSSL cannot negotiate TLS 1.0: the nearest usable version is served
        assert only_old.minimum == only_old.maximum == ssl.TLSVersion.TLSv1_2
        assert "serving tlsv1.2" in only_old.note
    cli, _ = handshake(server_context(_spec(certs, versions=("tlsv1.0",))), _client_ctx(), None)
    assert cli.version() is not None
    assert version_range(()).minimum == ssl.TLSVersion.TLSv1_2  # nothing configured: TLS 1.2


def test_ciphers_filtered_to_known(certs: dict[str, CertSpec]) -> None:
    cl = cipher_list(("RC4-MD5", "ECDHE-ECDSA-AES128-GCM-SHA256", "NOT-A-CIPHER"))
    assert cl.openssl == "ECDHE-ECDSA-AES128-GCM-SHA256"
    assert "NOT-A-CIPHER" in cl.dropped and "NOT-A-CIPHER" in cl.note
    assert cipher_list(("ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256",)).openssl.count(":") == 1
    none = cipher_list(("NOT-A-CIPHER",))
    assert none.openssl == "" and "default list" in none.note
    spec = _spec(certs, versions=("tlsv1.2",), ciphers=("ECDHE-ECDSA-AES128-GCM-SHA256", "NOT-A-CIPHER"))
    cli, _ = handshake(server_context(spec), _client_ctx(), None)
    assert cli.cipher()[0] == "ECDHE-ECDSA-AES128-GCM-SHA256"
    assert any("NOT-A-CIPHER" in n for n in server_notes(spec))
    # Only unknown names: OpenSSL's default list, and the handshake still works.
    spec = _spec(certs, versions=("tlsv1.2",), ciphers=("NOT-A-CIPHER",))
    cli, _ = handshake(server_context(spec), _client_ctx(), None)
    assert cli.version() == "TLSv1.2"


def test_context_cache_and_file_changes(tmp_path: Path) -> None:
    cert = _cert(tmp_path, "c", "one.test")
    spec = ClientTLSSpec("p", MODERN, (), cert)
    first = server_context(spec)
    assert server_context(spec) is first
    assert server_context(ClientTLSSpec("p", MODERN, (), cert)) is first  # equal specs share a context
    _cert(tmp_path, "c", "two.test")  # same paths, new files (what regenerate does)
    second = server_context(spec)
    assert second is not first
    cli, _ = handshake(second, _client_ctx(), None)
    assert peer_cn(cli) == "two.test"


def test_unloadable_certificate_is_a_config_error(tmp_path: Path) -> None:
    missing = CertSpec("gone", tmp_path / "gone.crt", tmp_path / "gone.key")
    with pytest.raises(TLSConfigError, match="gone"):
        server_context(ClientTLSSpec("p", MODERN, (), missing))


# ------------------------------------------------------------------------------------------ upstream side
def test_upstream_verify_off_accepts_self_signed(certs: dict[str, CertSpec]) -> None:
    ctx = upstream_context(UpstreamTLS("rs", versions=MODERN))
    assert ctx.verify_mode == ssl.CERT_NONE and not ctx.check_hostname
    cli, _ = handshake(server_context(_spec(certs)), ctx, "www.a.test")
    assert peer_cn(cli) == "www.a.test"


def test_upstream_verify_on_rejects_self_signed(certs: dict[str, CertSpec]) -> None:
    ctx = upstream_context(UpstreamTLS("rs", versions=MODERN, verify="LB_CERT_VERIFY"))
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(server_context(_spec(certs)), ctx, "www.a.test")


def test_upstream_versions_apply(certs: dict[str, CertSpec]) -> None:
    ctx = upstream_context(UpstreamTLS("rs", versions=("tlsv1.2",)))
    cli, _ = handshake(server_context(_spec(certs)), ctx, None)
    assert cli.version() == "TLSv1.2"
    with pytest.raises(ssl.SSLError):
        handshake(server_context(_spec(certs, versions=("tlsv1.3",))), ctx, None)


def test_upstream_server_hostname_rules() -> None:
    plain = UpstreamTLS("rs")
    assert upstream_server_hostname(plain, "www.a.test:8443", "10.0.0.1") is None
    fwd = UpstreamTLS("rs", sni_forward=True)
    assert upstream_server_hostname(fwd, "www.a.test:8443", "10.0.0.1") == "www.a.test"
    assert upstream_server_hostname(fwd, "www.a.test", "10.0.0.1") == "www.a.test"
    assert upstream_server_hostname(fwd, "[2001:db8::1]:443", "10.0.0.1") == "2001:db8::1"
    assert upstream_server_hostname(fwd, "", "10.0.0.1") is None
    fixed = UpstreamTLS("rs", sni_forward=True, sni="backend.internal")
    assert upstream_server_hostname(fixed, "www.a.test", "10.0.0.1") == "backend.internal"


# ------------------------------------------------------------------------------------------ over a real socket
async def test_loopback_trio_handshake(certs: dict[str, CertSpec]) -> None:
    server_ctx = server_context(_spec(certs))
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    got: list[bytes] = []

    async def serve_one() -> None:
        raw = await listeners[0].accept()
        tls = await wrap_server(raw, server_ctx)
        with trio.fail_after(5):
            await tls.do_handshake()
            got.append(await tls.receive_some(100))
            await tls.send_all(b"pong")
        await tls.aclose()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(serve_one)
        raw = await trio.open_tcp_stream("127.0.0.1", port)
        client = await wrap_client(raw, upstream_context(UpstreamTLS("rs", versions=MODERN), ("http/1.1",)), "x.b.test")
        with trio.fail_after(5):
            await client.send_all(b"ping")
            assert await client.receive_some(100) == b"pong"
        assert client.selected_alpn_protocol() == "http/1.1"
        der = client.getpeercert(binary_form=True)
        assert der is not None
        cn = x509.load_der_x509_certificate(der).subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        assert cn == "b.test"
        await client.aclose()
    for lst in listeners:
        await lst.aclose()
    assert got == [b"ping"]


# ------------------------------------------------------------------------------------------ in a running data plane
def _https_vs(name: str, cert: CertSpec) -> VirtualServerSpec:
    """An HTTPS virtual server on its own loopback address serving ``cert`` (its member is never reached)."""
    ip = vs_ip()
    port = free_port(ip)
    return replace(make_vs([make_member("m", 1)]), name=name, ip=ip, ports=((port, port),),
                   client_tls=ClientTLSSpec("csp", MODERN, (), cert))


def _served_cn(vs: VirtualServerSpec) -> str:
    """The CN of the certificate a new connection to ``vs`` is served (raises ConnectionRefusedError)."""
    ip, port = vs.addresses[0]
    with socket.create_connection((ip, port), timeout=10) as raw:
        with _client_ctx().wrap_socket(raw, server_hostname="any.test") as t:
            return peer_cn(t)  # type: ignore[arg-type]


def _apply(plane: Dataplane, *servers: VirtualServerSpec, generation: int = 1) -> list[str]:
    return plane.apply(DataplaneSpec(generation, {vs.name: vs for vs in servers}))


def _unservable(kind: str, tmp_path: Path) -> CertSpec:
    """A certificate OpenSSL will not serve, written straight to disk (``store_pair`` would refuse it)."""
    cert_pem, key_pem = generate_self_signed("bad", "RSA", 1024 if kind == "rsa-1024" else 2048, "bad.test")
    if kind == "mismatched-key":
        key_pem = generate_self_signed("other", "ECDSA", "secp256r1", "other.test")[1]
    cert = CertSpec("bad", tmp_path / "bad.crt", tmp_path / "bad.key")
    cert.cert_path.write_bytes(cert_pem)
    if kind != "missing-key":
        cert.key_path.write_bytes(key_pem)
    return cert


@pytest.mark.parametrize("kind", [
    "mismatched-key",
    "missing-key",
    pytest.param("rsa-1024", marks=pytest.mark.skipif(
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).security_level < 2, reason="this OpenSSL accepts RSA-1024")),
])
def test_unservable_certificate_is_reported_and_not_listened_on(tmp_path: Path, kind: str) -> None:
    good = _https_vs("good", _cert(tmp_path, "good", "good.test"))
    bad = _https_vs("bad", _unservable(kind, tmp_path))
    with running_dataplane() as plane:
        notes = _apply(plane, good, bad)
        assert len(notes) == 1 and notes[0].startswith("virtual server bad is not served: certificate 'bad' cannot be served: ")
        assert set(plane.runtimes) == {"good"} and bad.addresses[0] not in plane.bindings
        with pytest.raises(ConnectionRefusedError):
            _served_cn(bad)
        assert _served_cn(good) == "good.test"
        assert _apply(plane, good, bad, generation=2) == []  # reported once; still not served
        with pytest.raises(ConnectionRefusedError):
            _served_cn(bad)


def test_refresh_tls_serves_regenerated_files_and_keeps_unchanged_contexts(tmp_path: Path) -> None:
    first = _https_vs("first", _cert(tmp_path, "one", "one.test"))
    other = _https_vs("other", _cert(tmp_path, "keep", "keep.test"))
    with running_dataplane() as plane:
        assert _apply(plane, first, other) == []
        assert _served_cn(first) == "one.test"
        kept = plane.runtimes["other"].server_tls
        _cert(tmp_path, "one", "two.test")  # same paths, new files: what regenerate does, without a commit
        assert _served_cn(first) == "one.test"  # nothing is loaded per connection
        assert plane.refresh_tls() == []
        assert _served_cn(first) == "two.test"
        assert plane.runtimes["other"].server_tls is kept  # unchanged files: the same context


def test_refresh_tls_stops_a_broken_certificate_and_brings_it_back(tmp_path: Path) -> None:
    cert = _cert(tmp_path, "site", "site.test")
    vs = _https_vs("site", cert)
    with running_dataplane() as plane:
        assert _apply(plane, vs) == []
        assert _served_cn(vs) == "site.test"
        good_key = cert.key_path.read_bytes()
        cert.key_path.write_bytes(generate_self_signed("x", "ECDSA", "secp256r1", "x.test")[1])  # no longer matches
        notes = plane.refresh_tls()
        assert len(notes) == 1 and notes[0].startswith("virtual server site is not served: certificate 'site' cannot be served: ")
        with pytest.raises(ConnectionRefusedError):
            _served_cn(vs)
        assert plane.refresh_tls() == []  # reported once
        cert.key_path.write_bytes(good_key)
        assert plane.refresh_tls() == []
        assert _served_cn(vs) == "site.test"
