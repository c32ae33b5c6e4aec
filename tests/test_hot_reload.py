"""Hot reload without loss (issue: the data plane, point 8): a steady load of keep-alive HTTP clients
and open WebSockets while 100 commits change pools, members and methods."""
from __future__ import annotations

import contextlib
import http.client
import threading

from websockets.sync.client import connect as ws_connect

from .dataplane_helpers import appliance, free_port, pool_script, run, vs_ip, vs_script
from .test_dataplane_l7 import http_backends, ws_backend

COMMITS = 100
HTTP_CLIENTS = 4
WEBSOCKETS = 5


def test_100_commits_under_load_lose_nothing() -> None:
    with http_backends("A", "B", "C") as (a, b, c), ws_backend("W1") as w1, ws_backend("W2") as w2, appliance() as app:
        s = app.session()
        run(s, pool_script("p1", [a.port, b.port]))
        run(s, pool_script("p2", [b.port, c.port]))
        run(s, pool_script("wsp", [w1]))
        ip = vs_ip()
        web_port, ws_port = free_port(ip), free_port(ip)
        run(s, vs_script("web", ip, web_port, "p1", profile="LB_PROF_HTTP", vs_type="l7-load-balance"))
        run(s, vs_script("ws", ip, ws_port, "wsp", profile="LB_PROF_HTTP", vs_type="l7-load-balance"))

        stop = threading.Event()
        failures: list[str] = []
        served: list[int] = [0] * HTTP_CLIENTS
        servers_seen: set[str] = set()

        def http_client(i: int) -> None:
            conn = http.client.HTTPConnection(ip, web_port, timeout=20)
            try:
                while not stop.is_set():
                    try:
                        conn.request("GET", f"/c{i}")
                        resp = conn.getresponse()
                        body = resp.read()
                        if resp.status != 200:
                            failures.append(f"client {i}: {resp.status} {body[:80]!r}")
                        else:
                            served[i] += 1
                            servers_seen.add(body.split(b'"server": "')[1][:1].decode())
                        if resp.will_close:
                            conn.close()
                            conn = http.client.HTTPConnection(ip, web_port, timeout=20)
                    except Exception as exc:  # any failure counts
                        failures.append(f"client {i}: {exc!r}")
                        conn.close()
                        conn = http.client.HTTPConnection(ip, web_port, timeout=20)
            finally:
                conn.close()

        stack = contextlib.ExitStack()
        sockets = [stack.enter_context(ws_connect(f"ws://{ip}:{ws_port}/s{i}")) for i in range(WEBSOCKETS)]
        threads = [threading.Thread(target=http_client, args=(i,)) for i in range(HTTP_CLIENTS)]
        for t in threads:
            t.start()
        try:
            changes = [
                "config load-balance virtual-server\nedit web\nset load-balance-pool p2\nend",
                "config load-balance virtual-server\nedit web\nset load-balance-method LB_METHOD_LEAST_CONNECTION\nend",
                "config load-balance virtual-server\nedit web\nset load-balance-pool p1\nend",
                "config load-balance pool\nedit p1\nconfig pool_member\nedit 3\nset real-server rs-127.0.0.1\n"
                f"set pool_member_service_port {c.port}\nnext\nend\nend",
                "config load-balance virtual-server\nedit web\nset load-balance-method LB_METHOD_ROUND_ROBIN\nend",
                "config load-balance pool\nedit p1\nconfig pool_member\ndelete 3\nend\nend",
                "config load-balance pool\nedit wsp\nconfig pool_member\nedit 2\nset real-server rs-127.0.0.1\n"
                f"set pool_member_service_port {w2}\nnext\nend\nend",
                "config load-balance pool\nedit wsp\nconfig pool_member\ndelete 2\nend\nend",
            ]
            for n in range(COMMITS):
                run(s, changes[n % len(changes)])
                ws = sockets[n % WEBSOCKETS]
                ws.send(f"m{n}")
                assert ws.recv(timeout=10) == f"W1:m{n}"  # open WebSockets keep working through commits
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        for i, ws in enumerate(sockets):
            ws.send("last")
            assert ws.recv(timeout=10) == "W1:last", i
        stack.close()
        assert failures == []
        assert all(n > 0 for n in served) and sum(served) >= COMMITS
        assert servers_seen == {"A", "B", "C"}  # the new pools did take traffic
        with ws_connect(f"ws://{ip}:{ws_port}/new") as ws:  # new WebSockets: the current pool
            ws.send("x")
            assert ws.recv(timeout=10) == "W1:x"
