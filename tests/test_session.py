"""The command engine, driven line by line as a console would (reference §1 and §2.17)."""
from __future__ import annotations

import tracemalloc

import pytest

from adc.appliance import Appliance
from adc.engine.lexer import MAX_LINE
from adc.engine.reply import Reply
from adc.engine.session import Session

from .engine_helpers import BASE, new_session, ok


@pytest.fixture
def s() -> Session:
    return new_session()


# ------------------------------------------------------------------------------------------ prompts
def test_prompts_follow_the_context(s: Session) -> None:
    assert s.prompt == "FortiADC-VM # "
    s.execute("config load-balance virtual-server")
    assert s.prompt == "FortiADC-VM (virtual-server) # "
    assert s.execute("edit lb-vs1").output == "Add new entry 'lb-vs1' for node 1775\n"
    assert s.prompt == "FortiADC-VM (lb-vs1) # "
    s.execute("abort")
    assert s.prompt == "FortiADC-VM # "
    s.execute("config load-balance real-server-ssl-profile")
    assert s.prompt == "FortiADC-VM (real-server-ss~-) # "
    s.execute("end")
    s.execute("config system health-check")
    s.execute("edit HTTP-CONNECT-TEST")
    assert s.prompt == "FortiADC-VM (HTTP-CONNECT-T~S) # "


def test_hostname_changes_the_prompt(s: Session) -> None:
    ok(s, "config system global\nset hostname ADC-3\nend")
    assert s.prompt == "ADC-3 # "
    ok(s, "config system global\nset hostname a-very-long-hostname-x\nend")
    assert s.prompt == "a-very-long-ho~t # "


def test_nested_prompts_and_end(s: Session) -> None:
    ok(s, BASE)
    s.execute("config load-balance pool")
    s.execute("edit web_pool")
    s.execute("config pool_member")
    assert s.prompt == "FortiADC-VM (pool_member) # "
    s.execute("edit 1")
    assert s.prompt == "FortiADC-VM (1) # "
    s.execute("end")
    assert s.prompt == "FortiADC-VM (web_pool) # "
    s.execute("end")
    assert s.prompt == "FortiADC-VM # "


# ------------------------------------------------------------------------------------------ parsing
def test_unknown_and_ambiguous_words(s: Session) -> None:
    r = s.execute("frobnicate")
    assert r.failed and r.error == "Unknown action 0\n"
    r = s.execute("config load-balance")
    assert r.error == "Command fail. CLI parsing error\n"
    r = s.execute("config load-balance p")
    assert r.error == "ambiguous command before 'p'\n"
    r = s.execute("e")
    assert r.error == "ambiguous command before 'e'\n"


def test_abbreviations(s: Session) -> None:
    out = ok(s, "g sy st")
    assert out.startswith("Version: ")
    ok(s, "conf load-b virtual-s")
    assert s.prompt == "FortiADC-VM (virtual-server) # "
    ok(s, "ed vs1\nset ty l7-load-balance\nset stat dis")
    assert "type                : l7-load-balance" in ok(s, "get")
    assert "status              : disable" in ok(s, "get")


def test_set_errors(s: Session) -> None:
    ok(s, "config load-balance virtual-server\nedit vs1")
    assert s.execute("set").error == "Parsing error at 'set'. err=1\n"
    assert s.execute("set nosuchfield 1").error == "Parsing error at 'nosuchfield'. err=1\n"
    r = s.execute("set connection-limit -1")
    assert r.error.splitlines() == ["invalid unsigned integer value :-1:", "value parse error before '-'", "Input value is invalid."]
    r = s.execute("set ip 123")
    assert r.error.splitlines() == ["invalid ip address/mask 123.", "Command fail. Return code is -39"]
    r = s.execute("set warm-up 86401")
    assert r.error.splitlines()[-1] == "Command fail. Return code is -12"
    r = s.execute("set comments <script>")
    assert r.error.splitlines()[0] == "The string contains XSS vulnerability characters"
    r = s.execute("set type l9")
    assert "value parse error before 'l9'" in r.error
    r = s.execute("set load-balance-pool nope")
    assert r.error.splitlines()[-1] == "Command fail. Return code is -13"
    r = s.execute("set port 70000")
    assert r.error.splitlines()[-1] == "Command fail. Return code is -4085"
    r = s.execute("set port 0 80")
    assert r.error.splitlines()[-1] == "Command fail. Return code is -4090"
    r = s.execute("set port " + " ".join(f"{p}-{p + 1}" for p in range(1000, 1018, 2)))
    assert r.error.splitlines()[-1] == "Command fail. Return code is -4084"
    assert s.prompt == "FortiADC-VM (vs1) # "


# ------------------------------------------------------------------------------------------ get and show
def test_get_lists_entries_and_working_copy(s: Session) -> None:
    out = ok(s, "get load-balance method")
    assert out.splitlines()[0] == "== [ LB_METHOD_ROUND_ROBIN ]"
    ok(s, "config system dns\nset secondary 192.168.1.10")
    assert "secondary           : 192.168.1.10" in ok(s, "get")
    assert "secondary           : 0.0.0.0" in ok(s, "get system dns")
    ok(s, "abort")
    assert "secondary           : 0.0.0.0" in ok(s, "get system dns")
    assert ok(s, "get") == ""


# ------------------------------------------------------------------------------------------ commits
def test_nested_changes_wait_for_the_parent(s: Session) -> None:
    ok(s, BASE)
    ok(s, "config load-balance pool\nedit web_pool\nconfig pool_member\nedit 3\nset real-server rs2\nset pool_member_service_port 8080\nend")
    assert ok(s, "get load-balance pool web_pool").count("== [") == 2  # not saved yet
    ok(s, "abort")
    assert ok(s, "get load-balance pool web_pool").count("== [") == 2
    ok(s, "config load-balance pool\nedit web_pool\nconfig pool_member\nedit 3\nset real-server rs2\nset pool_member_service_port 8080\nend\nend")
    assert ok(s, "get load-balance pool web_pool").count("== [") == 3


def test_purge_asks_first(s: Session) -> None:
    ok(s, BASE)
    ok(s, "config load-balance pool")
    r = s.execute("purge")
    assert r.output == "This operation will clear all table!\n"
    assert s.prompt == "Do you want to continue? (y/n)"
    s.execute("n")
    assert ok(s, "get") == "== [ web_pool ]\n"
    s.execute("purge")
    s.execute("y")
    assert ok(s, "get") == ""
    assert s.prompt == "FortiADC-VM (pool) # "


def test_line_continuation(s: Session) -> None:
    ok(s, "config load-balance virtual-server\nedit vs1")
    assert s.execute("set comments \\").output == ""
    assert s.prompt == "> "
    ok(s, '"a b c"')
    assert "comments            : a b c" in ok(s, "get")


def test_continued_lines_are_bounded_in_total(s: Session) -> None:
    """Issue 15, point 5: 300 continued lines of 1 MB each are refused as one line too long; the session
    keeps their length, not their text, runs none of them, and is usable after."""
    line = "x" * 1_000_000 + "\\"  # one object, sent 300 times: whatever grows is the session's
    tracemalloc.start()
    try:
        replies = [s.execute(line) for _ in range(300)]
        assert s.prompt == "> " and s.continuing
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * MAX_LINE, peak  # the old session kept all 300 MB
    assert all(r == Reply() for r in replies)
    end = s.execute("config load-balance pool")  # the line that ends it: refused with the rest
    assert end.failed and end.output == ""
    assert end.error == (f"line too long ({300 * 1_000_000 + len('config load-balance pool')} characters, "
                         f"at most {MAX_LINE})\nCommand fail. CLI parsing error\n")
    assert s.prompt == "FortiADC-VM # " and not s.continuing  # and its tail was not run as a command
    ok(s, "config load-balance pool")
    assert s.prompt == "FortiADC-VM (pool) # "


def test_the_bound_counts_every_continued_line(s: Session) -> None:
    head = "a" * (MAX_LINE - 10) + "\\"
    assert s.execute(head) == Reply() and s.prompt == "> "
    assert s.execute("b" * 10).error == "Unknown action 0\n"  # MAX_LINE characters in all: lexed and run
    assert s.execute(head) == Reply()
    r = s.execute("b" * 11)
    assert r.failed and r.error.startswith(f"line too long ({MAX_LINE + 1} characters, at most {MAX_LINE})\n")
    assert s.prompt == "FortiADC-VM # "
    # A single line over the bound is refused whole, whether it ends in a backslash or not.
    assert s.execute("get system status " + " " * MAX_LINE).error.startswith("line too long")
    # Ctrl+C drops a refused line being continued, as any continued line.
    s.execute("x" * (MAX_LINE + 1) + "\\")
    assert s.continuing
    s.cancel()
    assert s.prompt == "FortiADC-VM # "
    assert "Hostname:" in ok(s, "get system status")


def test_bad_input_is_answered(s: Session) -> None:
    for line in ["set x \x00", "x" * 1_000_000, 'edit "unbalanced', "\udcff\udcfe", "config " * 5000]:
        r = s.execute(line)
        assert r.failed and r.error
    for _ in range(3000):
        s.execute("config load-balance pool")
    assert s.prompt == "FortiADC-VM (pool) # "


def test_sessions_share_one_store() -> None:
    app = Appliance(None)
    a, b = app.session(), app.session()
    ok(a, BASE)
    assert "== [ web_pool ]" in ok(b, "get load-balance pool")
    ok(b, "config system global\nset hostname shared\nend")
    assert a.prompt == "shared # "
