"""Robust under abuse (issue: the data plane, point 9): slow, garbage, oversized and resetting clients
affect only themselves."""
from __future__ import annotations

import resource
import socket
import time

import psutil
import pytest

from .dataplane_helpers import appliance, free_port, pool_script, recv_all, run, vs_ip, vs_script
from .test_dataplane_l7 import get, http_backends

SLOW = 1000


def _raise_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < need:
        pytest.fail(f"this test needs {need} file descriptors; the hard limit is {hard}")


def _l7(app, backends_ports: list[int], profile: str = "LB_PROF_HTTP") -> tuple[str, int]:
    s = app.session()
    run(s, pool_script("p", backends_ports))
    ip, port = vs_ip(), free_port()
    run(s, vs_script("v", ip, port, "p", profile=profile, vs_type="l7-load-balance"))
    return ip, port


def test_1000_slow_clients_do_not_starve_normal_ones_and_are_cut_by_the_request_timeout() -> None:
    _raise_fd_limit(2 * SLOW + 500)  # both ends of every slow connection live in this process
    with http_backends("A") as (a,), appliance() as app:
        run(app.session(), "config load-balance profile\nedit slow\nset type http\nset http-request-timeout 3\nend")
        ip, port = _l7(app, [a.port], profile="slow")
        slow = []
        try:
            for _ in range(SLOW):
                c = socket.create_connection((ip, port), timeout=30)
                c.sendall(b"GET / HTTP/1.1\r\nHo")  # a head that never ends
                slow.append(c)
            rss = psutil.Process().memory_info().rss
            started = time.monotonic()
            for _ in range(5):
                assert get(ip, port)["server"] == "A"
            assert time.monotonic() - started < 3  # served at once, before the slow ones time out
            # every slow client is cut once http-request-timeout has passed (the appliance closes)
            for c in slow:
                data = recv_all(c)
                assert data == b"" or data.startswith(b"HTTP/1.1 408"), data[:60]
            assert time.monotonic() - started < 30
            assert psutil.Process().memory_info().rss - rss < 200 * 1024 * 1024
        finally:
            for c in slow:
                c.close()
        assert get(ip, port)["server"] == "A"


def test_garbage_and_resets_affect_only_themselves() -> None:
    with http_backends("A") as (a,), appliance() as app:
        ip, port = _l7(app, [a.port])
        with socket.create_connection((ip, port), timeout=10) as c:
            c.sendall(b"\x16\x03\x01\x02\x00garbage\r\n\r\n")
            assert recv_all(c).startswith(b"HTTP/1.1 400")
        for _ in range(20):
            c = socket.create_connection((ip, port), timeout=10)
            c.sendall(b"GET / HTTP/1.1\r\n")
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            c.close()  # reset mid-request
        assert get(ip, port)["server"] == "A"


def test_header_count_and_size_are_bounded() -> None:
    with http_backends("A") as (a,), appliance() as app:
        run(app.session(), "config load-balance profile\nedit few\nset type http\nset max-http-headers 10\nend")
        ip, port = _l7(app, [a.port], profile="few")
        with socket.create_connection((ip, port), timeout=10) as c:
            headers = "".join(f"X-H{i}: v\r\n" for i in range(30))
            c.sendall(f"GET / HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
            answer = recv_all(c)
            assert answer.startswith(b"HTTP/1.1 431") or answer.startswith(b"HTTP/1.1 400"), answer[:60]
        with socket.create_connection((ip, port), timeout=10) as c:
            try:
                c.sendall(b"GET / HTTP/1.1\r\nX-Big: " + b"a" * (4 * 1024 * 1024))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the appliance already gave up on it: fine
            try:
                answer = recv_all(c)
            except ConnectionResetError:
                answer = b""
            assert answer == b"" or answer.startswith(b"HTTP/1.1 431") or answer.startswith(b"HTTP/1.1 400")
        assert get(ip, port)["server"] == "A"
