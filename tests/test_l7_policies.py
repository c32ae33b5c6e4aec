"""Layer-7 policies end to end (issue 13): content routing (L7 and L4), HTTP-to-HTTPS redirection,
content rewriting, error messages, connection pools and per-rule counters, through real listeners
with curl, http.client and websockets as clients."""
from __future__ import annotations

import http.client
import http.server
import socketserver
import threading
import json
import socket
import subprocess

from websockets.sync.client import connect as ws_connect

from .dataplane_helpers import appliance, backends, echo, free_port, pool_script, recv_all, run, vs_ip, vs_script
from .test_stats import wait_for
from .test_dataplane_l7 import get, http_backends, insecure_client, ws_backend


def _pool(name: str, port: int) -> str:
    """A one-member pool on the loopback real server (pool_script's name for it)."""
    return "\n".join([
        "config load-balance real-server", 'edit "rs-127.0.0.1"', "set ip 127.0.0.1", "end",
        "config load-balance pool", f'edit "{name}"', "config pool_member", "edit 1",
        'set real-server "rs-127.0.0.1"', f"set pool_member_service_port {port}", "next", "end", "end"])


def _rule(name: str, pool: str, *conditions: str, extra: str = "") -> str:
    """A content-routing rule; each condition is ``object type content [flags]`` on one line."""
    lines = ["config load-balance content-routing", f'edit "{name}"', f'set load-balance-pool "{pool}"']
    lines += extra.splitlines()
    if conditions:
        lines.append("config match-condition")
        for i, c in enumerate(conditions, start=1):
            obj, kind, content, *flags = c.split()
            lines += [f"edit {i}", f"set object {obj}", f"set type {kind}", f'set content "{content}"']
            lines += [f"set {f} enable" for f in flags]
            lines.append("next")
        lines.append("end")
    lines.append("end")
    return "\n".join(lines)


def _routed_vs(name: str, ip: str, port: int, rules: str, profile: str = "LB_PROF_HTTP",
               vs_type: str = "l7-load-balance", extra: str = "") -> str:
    return "\n".join(l for l in [
        "config load-balance virtual-server", f'edit "{name}"', f"set type {vs_type}", f"set ip {ip}",
        f"set port {port}", f"set load-balance-profile {profile}", "set content-routing enable",
        f"set content-routing-list {rules}", extra, "end"] if l)


def _status(ip: str, port: int, path: str = "/", headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    conn = http.client.HTTPConnection(ip, port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read(), {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------ routing
def test_content_routing_first_match_wins_conditions_anded_catch_all_last() -> None:
    with http_backends("API", "STATIC", "DEFAULT", "ADMIN") as (api, static, default, admin), appliance() as app:
        s = app.session()
        for name, b in (("api", api), ("static", static), ("default", default), ("admin", admin)):
            run(s, _pool(name, b.port))
        run(s, _rule("API_RULE", "api", "http-request-url string /API/ ignore-case"))
        run(s, _rule("ADMIN_RULE", "admin", "http-host-header regular-expression ^admin\\. ",
                     "http-request-url string /console"))
        run(s, _rule("STATIC_RULE", "static", "http-request-url regular-expression \\.(css|js)$"))
        run(s, _rule("NOT_STATIC", "default", "http-request-url string /static reverse"))
        run(s, _rule("DEFAULT_RULE", "default"))
        ip, port = vs_ip(), free_port()
        run(s, _routed_vs("cr", ip, port, "API_RULE ADMIN_RULE STATIC_RULE DEFAULT_RULE"))
        assert get(ip, port, "/api/v1/users")["server"] == "API"  # ignore-case substring
        assert get(ip, port, "/x/API/y")["server"] == "API"
        assert get(ip, port, "/site.css")["server"] == "STATIC"
        assert get(ip, port, "/site.css?v=1")["server"] == "DEFAULT"  # $ anchors the whole target
        # both conditions must hold
        assert get(ip, port, "/console", {"Host": "admin.example.com"})["server"] == "ADMIN"
        assert get(ip, port, "/console", {"Host": "www.example.com"})["server"] == "DEFAULT"
        assert get(ip, port, "/other", {"Host": "admin.example.com"})["server"] == "DEFAULT"
        # curl, one keep-alive connection: each request routed on its own
        out = subprocess.run(["curl", "-s", "--max-time", "20", f"http://{ip}:{port}/api/a",
                              f"http://{ip}:{port}/b.js", f"http://{ip}:{port}/c"],
                             capture_output=True, timeout=30, check=True).stdout.decode()
        answers = [json.loads(part + "}") for part in out.split("}") if part.strip()]
        assert [a["server"] for a in answers] == ["API", "STATIC", "DEFAULT"]
        # reverse: matches when the condition does not
        run(s, "config load-balance virtual-server\nedit cr\nset content-routing-list NOT_STATIC API_RULE\nend")
        assert get(ip, port, "/page")["server"] == "DEFAULT"
        assert get(ip, port, "/static/api/x")["server"] == "API"


def test_no_matching_rule_gives_503_with_the_error_message_and_rules_hot_reload() -> None:
    with http_backends("A", "B") as (a, b), appliance() as app:
        s = app.session()
        run(s, _pool("pa", a.port))
        run(s, _pool("pb", b.port))
        run(s, _rule("ONLY_A", "pa", "http-request-url string /a"))
        ip, port = vs_ip(), free_port()
        run(s, _routed_vs("cr", ip, port, "ONLY_A", extra='set error-msg "No-route-here"'))
        assert get(ip, port, "/a/1")["server"] == "A"
        status, body, _ = _status(ip, port, "/b/1")
        assert (status, body) == (503, b"No-route-here")
        # a keep-alive connection sees the commit on its next request: the rule's new pool, a new rule
        conn = http.client.HTTPConnection(ip, port, timeout=10)
        conn.request("GET", "/a/1")
        first = json.loads(conn.getresponse().read())["server"]
        run(s, "config load-balance content-routing\nedit ONLY_A\nset load-balance-pool pb\nend")
        conn.request("GET", "/a/2")
        second = json.loads(conn.getresponse().read())["server"]
        conn.close()
        assert (first, second) == ("A", "B")
        run(s, _rule("B_RULE", "pa", "http-request-url string /b"))
        run(s, "config load-balance virtual-server\nedit cr\nset content-routing-list ONLY_A B_RULE\nend")
        assert get(ip, port, "/b/1")["server"] == "A"
        run(s, "config load-balance content-routing\nedit B_RULE\nconfig match-condition\nedit 1\n"
               "set content /zzz\nend\nend")
        assert _status(ip, port, "/b/1")[0] == 503


def test_rule_method_and_persistence_are_its_own_unless_inherited() -> None:
    with http_backends("A1", "A2") as (a1, a2), appliance() as app:
        s = app.session()
        run(s, pool_script("two", [a1.port, a2.port]))
        run(s, _rule("RR", "two", "http-request-url string /rr"))  # inherits the VS's persistence
        run(s, _rule("OWN", "two", extra="set persistence-inherit disable\nset load-balance-persistence \"\""))
        ip, port = vs_ip(), free_port()
        run(s, _routed_vs("cr", ip, port, "RR OWN", extra="set load-balance-persistence LB_PERSIS_SRC_ADDR"))
        assert len({get(ip, port, "/rr")["server"] for _ in range(4)}) == 1  # source-address persistence
        assert [get(ip, port, "/x")["server"] for _ in range(4)] in (["A1", "A2"] * 2, ["A2", "A1"] * 2)


def test_websocket_upgrade_is_routed_like_any_request() -> None:
    with ws_backend("chat") as chat_port, ws_backend("feed") as feed_port, appliance() as app:
        s = app.session()
        run(s, _pool("chat", chat_port))
        run(s, _pool("feed", feed_port))
        run(s, _rule("CHAT", "chat", "http-request-url string /chat"))
        run(s, _rule("FEED", "feed"))
        ip, port = vs_ip(), free_port()
        run(s, _routed_vs("ws", ip, port, "CHAT FEED"))
        with ws_connect(f"ws://{ip}:{port}/chat/room") as ws:
            ws.send("hi")
            assert ws.recv(timeout=10) == "chat:hi"
        with ws_connect(f"ws://{ip}:{port}/news") as ws:
            ws.send("hi")
            assert ws.recv(timeout=10) == "feed:hi"
        # a commit re-points the rule: an open WebSocket stays on its member, the next upgrade follows
        with ws_connect(f"ws://{ip}:{port}/chat/held") as held:
            run(s, "config load-balance content-routing\nedit CHAT\nset load-balance-pool feed\nend")
            held.send("still")
            assert held.recv(timeout=10) == "chat:still"
            with ws_connect(f"ws://{ip}:{port}/chat/new") as ws:
                ws.send("hi")
                assert ws.recv(timeout=10) == "feed:hi"


def test_l4_content_routing_by_source_address() -> None:
    with backends(echo(b"near:"), echo(b"far:")) as (near, far), appliance() as app:
        s = app.session()
        run(s, _pool("near", near.port))
        run(s, _pool("far", far.port))
        client = "127.0.0.1"
        run(s, _rule("LOOP", "near", extra="set type l4-content-routing\nset ip 127.0.0.0/8"))
        run(s, _rule("NONE", "far", extra="set type l4-content-routing\nset ip 10.0.0.0/8"))
        ip, port = vs_ip(), free_port()
        run(s, _routed_vs("l4", ip, port, "NONE LOOP", profile="LB_PROF_TCP", vs_type="l4-load-balance"))

        def hello() -> bytes:
            with socket.create_connection((ip, port), timeout=10, source_address=(client, 0)) as c:
                try:
                    c.sendall(b"x")
                    c.shutdown(socket.SHUT_WR)
                    return recv_all(c)
                except OSError:  # closed (reset, not connected) with the byte unread
                    return b""

        assert hello().startswith(b"near:x")
        run(s, "config load-balance content-routing\nedit NONE\nset ip 127.0.0.1/32\nend")
        assert hello().startswith(b"far:x")
        run(s, "config load-balance virtual-server\nedit l4\nset content-routing-list NONE\nend")
        run(s, "config load-balance content-routing\nedit NONE\nset ip 10.0.0.0/8\nend")
        assert hello() == b""  # no rule matches: the connection is closed
        wait_for(lambda: (app.stats.rule_hits("l4", "LOOP"), app.stats.rule_hits("l4", "NONE")) == (1, 1))


def test_per_rule_hits_in_status_and_traffic_log() -> None:
    with http_backends("A", "B") as (a, b), appliance() as app:
        s = app.session()
        run(s, _pool("pa", a.port))
        run(s, _pool("pb", b.port))
        run(s, _rule("R_A", "pa", "http-request-url string /a"))
        run(s, _rule("R_B", "pb"))
        ip, port = vs_ip(), free_port()
        run(s, _routed_vs("cr", ip, port, "R_A R_B", extra="set traffic-log enable"))
        for path in ("/a", "/a", "/b", "/a"):
            get(ip, port, path)
        wait_for(lambda: app.stats.vs_figures("cr").requests == 4)
        out = run(s, "get load-balance virtual-server-status")
        assert "availability        : available" in out
        assert "content-routing R_A" in out and "pool pa, hits 3" in out.split("content-routing R_A")[1].splitlines()[0]
        assert "pool pb, hits 1" in out.split("content-routing R_B")[1].splitlines()[0]
        lines = [line for line in (app.log_tail("traffic", 10) or []) if "subtype=slb_http" in line]
        assert [line.split("content_route=")[1].split()[0] for line in lines] == ["R_A", "R_A", "R_B", "R_A"]
        assert all(f"http_url=/{'b' if 'R_B' in line else 'a'}" in line for line in lines)


# ------------------------------------------------------------------------------------------ http2https
def test_http2https_redirects_every_request_on_its_ports_and_nothing_reaches_the_pool() -> None:
    with http_backends("A") as (a,), appliance() as app:
        s = app.session()
        run(s, pool_script("p", [a.port]))
        ip, port, clear1, clear2 = vs_ip(), free_port(), free_port(), free_port()
        run(s, vs_script("tls", ip, port, "p", profile="LB_PROF_HTTPS", vs_type="l7-load-balance",
                         extra=f"set client-ssl-profile LB_CLIENT_SSL_PROF_DEFAULT\nset http2https enable\n"
                               f"set http2https-port {clear1} {clear2}"))
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}\\n",
                              "-H", f"Host: www.example.com:{clear1}",
                              f"http://{ip}:{clear1}/path/x?q=1", f"http://{ip}:{clear2}/other"],
                             capture_output=True, timeout=30, check=True).stdout.decode().splitlines()
        assert out == [f"302 https://www.example.com:{port}/path/x?q=1", f"302 https://www.example.com:{port}/other"]
        # without a Host header: the virtual server's address; HTTP/1.0 gets its connection closed
        status, _, headers = _raw_status(ip, clear1, b"GET /a HTTP/1.0\r\n\r\n")
        assert status == 302 and headers["location"] == f"https://{ip}:{port}/a"
        assert app.stats.vs_figures("tls").requests == 0  # nothing went to a member
        # following the redirect reaches the pool over HTTPS
        body = subprocess.run(["curl", "-s", "-k", "-L", f"http://{ip}:{clear1}/follow"],
                              capture_output=True, timeout=30, check=True).stdout
        assert json.loads(body)["path"] == "/follow"
        # disabling it closes the clear listeners (and only them)
        run(s, "config load-balance virtual-server\nedit tls\nset http2https disable\nend")
        try:
            socket.create_connection((ip, clear1), timeout=5).close()
            raise AssertionError("the clear port still listens")
        except ConnectionRefusedError:
            pass
        assert json.loads(subprocess.run(["curl", "-s", "-k", f"https://{ip}:{port}/still"], capture_output=True,
                                         timeout=30, check=True).stdout)["path"] == "/still"


def _raw_status(ip: str, port: int, request: bytes) -> tuple[int, bytes, dict[str, str]]:
    with socket.create_connection((ip, port), timeout=10) as c:
        c.sendall(request)
        data = recv_all(c)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    return int(lines[0].split()[1]), body, headers


# ------------------------------------------------------------------------------------------ rewriting
class _EchoHeaders(http.server.BaseHTTPRequestHandler):
    """Answers with the request's path and headers as JSON; /moved answers 302 to an internal host."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        data = json.dumps({"path": self.path, "headers": [[k.lower(), v] for k, v in self.headers.items()]}).encode()
        self.send_response(302 if self.path.startswith("/moved") else 200)
        if self.path.startswith("/moved"):
            self.send_header("Location", "http://server1.internal.example/new")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def _rewrite(name: str, settings: str, *conditions: str) -> str:
    lines = ["config load-balance content-rewriting", f'edit "{name}"', *settings.splitlines()]
    if conditions:
        lines.append("config match-condition")
        for i, c in enumerate(conditions, start=1):
            obj, kind, content, *flags = c.split()
            lines += [f"edit {i}", f"set object {obj}", f"set type {kind}", f"set content {content}"]
            lines += [f"set {f} enable" for f in flags] + ["next"]
        lines.append("end")
    return "\n".join(lines + ["end"])


def test_content_rewriting_request_and_response_actions() -> None:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _EchoHeaders)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with appliance() as app:
            s = app.session()
            run(s, pool_script("p", [server.server_address[1]]))
            run(s, _rewrite("TO_HTTPS", "set action redirect\nset redirect https://$0/$1",
                            "http-host-header regular-expression (.*)", "http-request-url regular-expression ^/old/(.*)$"))
            run(s, _rewrite("DENY", "set action send-403-forbidden", "http-request-url string /secret ignore-case"))
            run(s, _rewrite("ADD", "set action add_http_header\nset header-name X-Added\nset header-value yes",
                            "http-request-url string /add"))
            run(s, _rewrite("DEL", "set action delete_http_header\nset header-name X-Drop",
                            "http-request-url string /del"))
            run(s, _rewrite("HOST", "set action rewrite_http_header\nset host-status enable\nset host internal.example\n"
                                    "set url-status enable\nset url \"/wordpress/?feed=rss2\"", "http-request-url string /blog"))
            run(s, _rewrite("LOC", "set action-type response\nset action rewrite_http_location\n"
                                   "set location http://www.example.com/new",
                            "http-location-header regular-expression server.*\\.internal\\.example"))
            ip, port = vs_ip(), free_port()
            run(s, vs_script("rw", ip, port, "p", profile="LB_PROF_HTTP", vs_type="l7-load-balance",
                             extra="set content-rewriting enable\nset content-rewriting-list TO_HTTPS DENY ADD DEL HOST LOC"))
            status, _, headers = _status(ip, port, "/old/page?x=1", {"Host": "www.example.com"})
            assert status == 302 and headers["location"] == "https://www.example.com/page?x=1"
            assert _status(ip, port, "/SECRET/file")[0] == 403
            _, body, _ = _status(ip, port, "/add")
            assert ["x-added", "yes"] in json.loads(body)["headers"]
            _, body, _ = _status(ip, port, "/del", {"X-Drop": "1", "X-Keep": "2"})
            names = [k for k, _ in json.loads(body)["headers"]]
            assert "x-drop" not in names and "x-keep" in names
            _, body, _ = _status(ip, port, "/blog", {"Host": "www.example.com"})
            seen = json.loads(body)
            assert seen["path"] == "/wordpress/?feed=rss2" and ["host", "internal.example"] in seen["headers"]
            status, _, headers = _status(ip, port, "/moved")
            assert status == 302 and headers["location"] == "http://www.example.com/new"
            # no rule matches: untouched; first match wins (ADD before DEL for a URL with both)
            _, body, _ = _status(ip, port, "/plain", {"X-Drop": "1"})
            assert ["x-drop", "1"] in json.loads(body)["headers"]
            _, body, _ = _status(ip, port, "/add/del", {"X-Drop": "1"})
            assert ["x-drop", "1"] in json.loads(body)["headers"] and ["x-added", "yes"] in json.loads(body)["headers"]
            # hot reload: the list changes on commit
            run(s, "config load-balance virtual-server\nedit rw\nset content-rewriting-list DEL\nend")
            assert _status(ip, port, "/SECRET/file")[0] == 200
    finally:
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------------------------------------ error page
def test_503_answers_the_error_page_when_one_is_set_else_the_error_message() -> None:
    with appliance() as app:
        s = app.session()
        run(s, pool_script("dead", [free_port()]))
        pages = app.base_dir / "error-pages"
        pages.mkdir(exist_ok=True)
        (pages / "maint.html").write_text("<html><body>Down for maintenance</body></html>")
        run(s, "config load-balance error-page\nedit maint\nnext\nedit nofile\nend")
        ip, port = vs_ip(), free_port()
        run(s, vs_script("e", ip, port, "dead", profile="LB_PROF_HTTP", vs_type="l7-load-balance"))
        status, body, headers = _status(ip, port)
        assert (status, body) == (503, b"Server-unavailable!")  # the factory error-msg
        run(s, "config load-balance virtual-server\nedit e\nset error-page maint\nend")
        status, body, headers = _status(ip, port)
        assert (status, body) == (503, b"<html><body>Down for maintenance</body></html>")
        assert headers["content-type"].startswith("text/html")
        run(s, "config load-balance virtual-server\nedit e\nset error-page nofile\nset error-msg Gone-fishing\nend")
        assert _status(ip, port)[:2] == (503, b"Gone-fishing")


# ------------------------------------------------------------------------------------------ connection pool
class _CountingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    connections = 0

    def process_request(self, request, client_address):  # type: ignore[no-untyped-def]
        self.connections += 1
        super().process_request(request, client_address)


def test_connection_pool_reuse_bounds_member_connections_per_vs_and_per_rule() -> None:
    server = _CountingServer(("127.0.0.1", 0), _EchoHeaders)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with appliance() as app:
            s = app.session()
            run(s, pool_script("p", [server.server_address[1]]))
            run(s, "config load-balance connection-pool\nedit twice\nset reuse 2\nnext\nedit once\nset reuse 1\nend")
            ip, port = vs_ip(), free_port()
            run(s, vs_script("cp", ip, port, "p", profile="LB_PROF_HTTP", vs_type="l7-load-balance",
                             extra="set connection-pool twice"))
            for _ in range(6):  # a new client connection each time: member connections are pooled
                assert _status(ip, port, "/x")[0] == 200
            assert server.connections == 3  # each member connection carried 2 requests
            # a content-routing rule with its own pool (reuse 1: never reused), or the VS's (inherit)
            run(s, _rule("OWN", "p", "http-request-url string /own", extra="set connection-pool once"))
            run(s, _rule("INHERIT", "p", extra="set connection-pool-inherit enable"))
            run(s, "config load-balance virtual-server\nedit cp\nset content-routing enable\n"
                   "set content-routing-list OWN INHERIT\nend")
            before = server.connections
            for _ in range(3):
                assert _status(ip, port, "/own")[0] == 200
            assert server.connections - before == 3
            before = server.connections
            for _ in range(4):
                assert _status(ip, port, "/other")[0] == 200
            assert server.connections - before <= 2
    finally:
        server.shutdown()
        server.server_close()


def test_https_content_routing_by_sni() -> None:
    with http_backends("ONE", "TWO") as (one, two), appliance() as app:
        s = app.session()
        run(s, _pool("one", one.port))
        run(s, _pool("two", two.port))
        run(s, _rule("BY_SNI", "one", "sni string one.example"))
        run(s, _rule("REST", "two"))
        ip, port = vs_ip(), free_port()
        run(s, _routed_vs("sni", ip, port, "BY_SNI REST", profile="LB_PROF_HTTPS",
                          extra="set client-ssl-profile LB_CLIENT_SSL_PROF_DEFAULT"))
        tls = insecure_client()
        assert get(ip, port, "/", tls=tls, host="one.example")["server"] == "ONE"
        assert get(ip, port, "/", tls=tls, host="two.example")["server"] == "TWO"
        # the Host header is not the SNI
        assert get(ip, port, "/", {"Host": "one.example"}, tls=tls, host="other.example")["server"] == "TWO"
