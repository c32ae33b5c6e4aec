"""Layer-7 virtual servers end to end through the appliance: HTTP, HTTPS, re-encryption, WebSocket,
and load-balancing methods (issue: the data plane, points 3 to 7), with curl, Python's ssl and the
websockets library as clients."""
from __future__ import annotations

import http.client
import http.server
import json
import socketserver
import ssl
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect
from websockets.sync.server import serve as ws_serve

from adc.certs import generate_self_signed

from .dataplane_helpers import appliance, free_port, pool_script, run, vs_ip, vs_script
from .http_servers import backend_tls


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls between header and body writes

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        info = {
            "server": self.server.name,  # type: ignore[attr-defined]
            "path": self.path,
            "host": self.headers.get("Host"),
            "xff": self.headers.get("X-Forwarded-For"),
            "client-ip": self.headers.get("X-Client-IP"),
            "sni": getattr(self.connection, "adc_sni", None),
            "body": len(body),
        }
        data = json.dumps(info).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


class HttpBackend:
    def __init__(self, name: str, tls: ssl.SSLContext | None = None) -> None:
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler, bind_and_activate=True)
        self.server.daemon_threads = True
        self.server.name = name  # type: ignore[attr-defined]
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def http_backends(*names: str, tls: ssl.SSLContext | None = None) -> Iterator[list[HttpBackend]]:
    started = [HttpBackend(n, tls) for n in names]
    try:
        yield started
    finally:
        for b in started:
            b.close()


@contextmanager
def ws_backend(name: str, tls: ssl.SSLContext | None = None) -> Iterator[int]:
    def handler(ws) -> None:  # type: ignore[no-untyped-def]
        for message in ws:
            if message == "close-me":
                ws.close(4001, "bye")
                return
            ws.send(message if isinstance(message, bytes) else f"{name}:{message}")

    with ws_serve(handler, "127.0.0.1", 0, ssl=tls, max_size=None) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield server.socket.getsockname()[1]
        finally:
            server.shutdown()


def get(ip: str, port: int, path: str = "/", headers: dict[str, str] | None = None, tls: ssl.SSLContext | None = None,
        host: str | None = None) -> dict:
    conn = (http.client.HTTPSConnection(host or ip, port, context=tls, timeout=10) if tls
            else http.client.HTTPConnection(ip, port, timeout=10))
    if tls and host:
        conn._create_connection = lambda *a, **k: __import__("socket").create_connection((ip, port), 10)  # type: ignore[attr-defined]
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert resp.status == 200, (resp.status, body)
    return json.loads(body)


def insecure_client() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# ------------------------------------------------------------------------------------------ HTTP
def test_http_vs_round_robins_per_request_with_xff_via_curl() -> None:
    with http_backends("A", "B") as (a, b), appliance() as app:
        s = app.session()
        run(s, pool_script("web", [a.port, b.port]))
        run(s, "config load-balance profile\nedit xff\nset type http\nset http-x-forwarded-for enable\nend")
        ip, port = vs_ip(), free_port()
        run(s, vs_script("web", ip, port, "web", profile="xff", vs_type="l7-load-balance"))
        # one curl process, several requests on one keep-alive connection: members alternate per request
        out = subprocess.run(["curl", "-s", "--max-time", "20"] + [f"http://{ip}:{port}/r{i}" for i in range(4)],
                             capture_output=True, timeout=30, check=True).stdout.decode()
        answers = [json.loads(part + "}") for part in out.split("}") if part.strip()]
        assert [x["server"] for x in answers] == ["A", "B", "A", "B"]
        assert all(x["xff"] == "127.0.0.1" for x in answers)
        assert [x["path"] for x in answers] == [f"/r{i}" for i in range(4)]


def test_503_with_the_error_message_when_no_member_can_take_it() -> None:
    with appliance() as app:
        s = app.session()
        dead = free_port()
        run(s, pool_script("dead", [dead]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("dead", ip, port, "dead", profile="LB_PROF_HTTP", vs_type="l7-load-balance",
                         extra='set error-msg "Sorry-nobody-home"'))
        conn = http.client.HTTPConnection(ip, port, timeout=10)
        conn.request("GET", "/")
        resp = conn.getresponse()
        assert resp.status == 503 and resp.read() == b"Sorry-nobody-home"
        conn.close()


# ------------------------------------------------------------------------------------------ methods
@pytest.mark.parametrize("method,header,path", [
    ("LB_METHOD_URI", None, "/same/path?x=1"),
    ("LB_METHOD_FULL_URI", None, "/same/path?x=1"),
    ("LB_METHOD_HOST", "www.example.com", "/"),
    ("LB_METHOD_HOST_DOMAIN", "www.example.com", "/"),
])
def test_hash_methods_are_sticky(method: str, header: str | None, path: str) -> None:
    with http_backends("A", "B", "C") as backs, appliance() as app:
        s = app.session()
        run(s, pool_script("h", [b.port for b in backs]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("h", ip, port, "h", profile="LB_PROF_HTTP", vs_type="l7-load-balance", method=method))
        headers = {"Host": header} if header else {}
        seen = {get(ip, port, path, headers)["server"] for _ in range(6)}
        assert len(seen) == 1
        if method == "LB_METHOD_HOST_DOMAIN":  # another host of the same domain goes to the same member
            assert get(ip, port, path, {"Host": "api.example.com"})["server"] in seen


def test_weights_backup_and_member_status() -> None:
    with http_backends("A", "B", "C") as (a, b, c), appliance() as app:
        s = app.session()
        run(s, pool_script("w", [a.port, b.port, c.port],
                           member_extra={1: "set pool_member_weight 2", 3: "set backup enable"}))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("w", ip, port, "w", profile="LB_PROF_HTTP", vs_type="l7-load-balance"))
        assert [get(ip, port)["server"] for _ in range(6)] == ["A", "A", "B", "A", "A", "B"]
        run(s, "config load-balance pool\nedit w\nconfig pool_member\nedit 1\nset status maintain\nnext\nedit 2\nset status disable\nend\nend")
        assert {get(ip, port)["server"] for _ in range(3)} == {"C"}  # only the backup is left


# ------------------------------------------------------------------------------------------ HTTPS
def test_https_vs_terminates_tls_with_the_factory_certificate() -> None:
    with http_backends("A") as (a,), appliance() as app:
        s = app.session()
        run(s, pool_script("p", [a.port]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("tls", ip, port, "p", profile="LB_PROF_HTTPS", vs_type="l7-load-balance",
                         extra="set client-ssl-profile LB_CLIENT_SSL_PROF_DEFAULT"))
        factory = (app.cert_dir / "Factory.crt").read_bytes()
        with __import__("socket").create_connection((ip, port), timeout=10) as raw:
            with insecure_client().wrap_socket(raw, server_hostname="anything.test") as t:
                assert t.getpeercert(binary_form=True) == ssl.PEM_cert_to_DER_cert(factory.decode())
                t.sendall(b"GET /secure HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                data = b""
                while chunk := t.recv(65536):
                    data += chunk
        assert data.startswith(b"HTTP/1.1 200") and b'"/secure"' in data


def test_https_sni_chooses_among_group_members(tmp_path: Path) -> None:
    names = {"one": "one.test", "two": "two.test"}
    for name, cn in names.items():
        cert, key = generate_self_signed(name, "RSA", 2048, cn)
        (tmp_path / f"{name}.crt").write_bytes(cert)
        (tmp_path / f"{name}.key").write_bytes(key)
    with http_backends("A") as (a,), appliance() as app:
        app.files_dir = tmp_path  # the files folder, where the real box would use a TFTP server
        s = app.session()
        for name in names:
            run(s, f"execute certificate local import-pair tftp {name}.crt {name}.key null 192.0.2.1")
        run(s, """config system certificate local_cert_group
edit grp
config group_member
edit 1
set local-cert one
set default enable
next
edit 2
set local-cert two
next
end
end
config load-balance client-ssl-profile
edit csp
set local-certificate-group grp
set ssl-allowed-versions tlsv1.2 tlsv1.3
end""")
        run(s, pool_script("p", [a.port]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("sni", ip, port, "p", profile="LB_PROF_HTTPS", vs_type="l7-load-balance",
                         extra="set client-ssl-profile csp"))
        for server_name, expect in (("two.test", "two"), ("one.test", "one"), ("other.test", "one")):
            with __import__("socket").create_connection((ip, port), timeout=10) as raw:
                with insecure_client().wrap_socket(raw, server_hostname=server_name) as t:
                    want = (tmp_path / f"{expect}.crt").read_text()
                    assert t.getpeercert(binary_form=True) == ssl.PEM_cert_to_DER_cert(want)


def test_https_to_https_reencryption_with_sni_forward(tmp_path: Path) -> None:
    server_tls = backend_tls(tmp_path)
    seen_sni: list[str | None] = []
    server_tls.sni_callback = lambda sock, name, ctx: seen_sni.append(name)  # type: ignore[assignment]
    with http_backends("S", tls=server_tls) as (a,), appliance() as app:
        s = app.session()
        run(s, "config load-balance real-server-ssl-profile\nedit rsssl\nset ssl enable\nset allow-ssl-versions tlsv1.2\nset ssl-sni-forward enable\nend")
        run(s, pool_script("tlsp", [a.port], extra="set real-server-ssl-profile rsssl"))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("re", ip, port, "tlsp", profile="LB_PROF_HTTPS", vs_type="l7-load-balance",
                         extra="set client-ssl-profile LB_CLIENT_SSL_PROF_DEFAULT"))
        answer = get(ip, port, "/enc", tls=insecure_client(), host="app.test")
        assert answer["server"] == "S" and answer["path"] == "/enc"
        assert seen_sni and seen_sni[-1] == "app.test"


# ------------------------------------------------------------------------------------------ WebSocket
def test_websocket_over_http_vs_tunnels_after_101() -> None:
    with ws_backend("W") as wport, appliance() as app:
        s = app.session()
        run(s, pool_script("ws", [wport]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("ws", ip, port, "ws", profile="LB_PROF_HTTP", vs_type="l7-load-balance"))
        with ws_connect(f"ws://{ip}:{port}/chat", max_size=None) as ws:
            ws.send("hello")
            assert ws.recv(timeout=10) == "W:hello"
            big = bytes(range(256)) * 20000  # 5 MB
            ws.send(big)
            assert ws.recv(timeout=30) == big
            ws.send(["frag", "mented"])  # a fragmented message
            assert ws.recv(timeout=10) == "W:fragmented"
            assert ws.ping(b"p").wait(10)
            ws.send("close-me")
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=10)
            assert ws.close_code == 4001 and ws.close_reason == "bye"  # the server's close, unchanged


def test_wss_to_wss_and_wss_to_ws(tmp_path: Path) -> None:
    server_tls = backend_tls(tmp_path)
    with ws_backend("TLS", tls=server_tls) as secure_port, ws_backend("PLAIN") as plain_port, appliance() as app:
        s = app.session()
        run(s, "config load-balance real-server-ssl-profile\nedit rsssl\nset ssl enable\nend")
        run(s, pool_script("secure", [secure_port], extra="set real-server-ssl-profile rsssl"))
        run(s, pool_script("plain", [plain_port]))
        ip = vs_ip()
        p1, p2 = free_port(ip), free_port(ip)
        tls_extra = "set client-ssl-profile LB_CLIENT_SSL_PROF_DEFAULT"
        run(s, vs_script("wss-wss", ip, p1, "secure", profile="LB_PROF_HTTPS", vs_type="l7-load-balance", extra=tls_extra))
        run(s, vs_script("wss-ws", ip, p2, "plain", profile="LB_PROF_HTTPS", vs_type="l7-load-balance", extra=tls_extra))
        for port, name in ((p1, "TLS"), (p2, "PLAIN")):
            with ws_connect(f"wss://{ip}:{port}/", ssl=insecure_client(), max_size=None) as ws:
                ws.send("x")
                assert ws.recv(timeout=10) == f"{name}:x"


def test_ssl_session_id_persistence_on_https() -> None:
    """Clients resuming their TLS 1.2 session stay on one member; a new session may go elsewhere."""
    import socket as _socket

    with http_backends("A", "B", "C") as backs, appliance() as app:
        s = app.session()
        run(s, "config load-balance client-ssl-profile\nedit tls12\nset ssl-allowed-versions tlsv1.2\nend")
        run(s, pool_script("p", [b.port for b in backs]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("sid", ip, port, "p", profile="LB_PROF_HTTPS", vs_type="l7-load-balance",
                         extra="set client-ssl-profile tls12\nset load-balance-persistence LB_PERSIS_SSL_SESS_ID"))
        ctx = insecure_client()
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2

        def one(session: ssl.SSLSession | None) -> tuple[str, ssl.SSLSession | None, bool]:
            with _socket.create_connection((ip, port), timeout=10) as raw:
                with ctx.wrap_socket(raw, server_hostname="x.test", session=session) as t:
                    t.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    data = b""
                    while chunk := t.recv(65536):
                        data += chunk
                    return json.loads(data.split(b"\r\n\r\n", 1)[1])["server"], t.session, t.session_reused

        first, session, _ = one(None)
        for _ in range(5):
            server, _, reused = one(session)
            assert reused and server == first
        others = {one(None)[0] for _ in range(6)}  # fresh sessions are balanced again
        assert len(others) > 1
