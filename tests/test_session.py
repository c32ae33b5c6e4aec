"""The command engine, driven line by line as a console would (reference §1 and §2.17)."""
from __future__ import annotations

import pytest

from adc.appliance import Appliance
from adc.engine.session import Session

from .dataplane_helpers import run as run_ok


@pytest.fixture
def s() -> Session:
    return Appliance(None).session()


def run(s: Session, script: str) -> str:
    """Run lines; return everything printed (output and errors), as a console shows it."""
    out = []
    for line in script.strip().splitlines():
        r = s.execute(line)
        out.append(r.output + r.error)
    return "".join(out)


ok = run_ok  # run lines, failing the test on any error; returns the output


BASE = """
config load-balance real-server
edit rs1
set ip 10.0.1.11
next
edit rs2
set ip 10.0.1.12
end
config load-balance pool
edit web_pool
config pool_member
edit 1
set real-server rs1
next
edit 2
set real-server rs2
next
end
next
end
"""


def vs(name: str = "vs1", ip: str = "10.9.9.9", port: str = "80", extra: str = "") -> str:
    return f"""
config load-balance virtual-server
edit {name}
set type l7-load-balance
set ip {ip}
set port {port}
set load-balance-profile LB_PROF_HTTP
set load-balance-method LB_METHOD_ROUND_ROBIN
set load-balance-pool web_pool
{extra}
end
"""


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
def test_get_formats(s: Session) -> None:
    ok(s, "config load-balance virtual-server\nedit lb-vs1")
    lines = ok(s, "get").splitlines()
    assert lines[0] == "status              : enable"
    assert lines[1] == "type                : l4-load-balance"
    assert "packet-forwarding-method: NAT" in lines
    assert "load-balance-profile:" in lines
    assert "interface           :" in lines
    assert "load-balance-method :" in lines


def test_get_lists_entries_and_working_copy(s: Session) -> None:
    out = ok(s, "get load-balance method")
    assert out.splitlines()[0] == "== [ LB_METHOD_ROUND_ROBIN ]"
    ok(s, "config system dns\nset secondary 192.168.1.10")
    assert "secondary           : 192.168.1.10" in ok(s, "get")
    assert "secondary           : 0.0.0.0" in ok(s, "get system dns")
    ok(s, "abort")
    assert "secondary           : 0.0.0.0" in ok(s, "get system dns")
    assert ok(s, "get") == ""


def test_show_prints_non_defaults_in_schema_order(s: Session) -> None:
    ok(s, BASE)
    ok(s, vs(extra="set comments \"two words\""))
    assert ok(s, "show load-balance virtual-server") == (
        "config load-balance virtual-server\n"
        '  edit "vs1"\n'
        "    set type l7-load-balance\n"
        "    set ip 10.9.9.9\n"
        "    set load-balance-profile LB_PROF_HTTP\n"
        "    set load-balance-method LB_METHOD_ROUND_ROBIN\n"
        "    set load-balance-pool web_pool\n"
        '    set comments "two words"\n'
        "    set traffic-group default\n"
        "  next\n"
        "end\n"
    )
    pool = ok(s, "show load-balance pool web_pool")
    assert "    config  pool_member\n      edit 1\n        set real-server rs1\n      next\n" in pool
    assert "    set real-server-ssl-profile NONE\n" in pool


def test_show_multi_values_have_a_trailing_space(s: Session) -> None:
    ok(s, "config load-balance pool\nedit p\nset health-check-ctrl enable\nset health-check-list LB_HLTHCK_ICMP LB_HLTHCK_HTTP\nend")
    assert "    set health-check-list LB_HLTHCK_ICMP LB_HLTHCK_HTTP \n" in ok(s, "show load-balance pool")


def test_show_full_and_context_show(s: Session) -> None:
    ok(s, "config system dns\nset primary 1.1.1.1")
    assert ok(s, "show") == "config system dns\n  set primary 1.1.1.1\nend\n"
    assert ok(s, "show full") == "config system dns\n  set primary 1.1.1.1\n  set secondary 0.0.0.0\nend\n"
    ok(s, "end")


def test_show_omits_predefined_entries(s: Session) -> None:
    out = ok(s, "show")
    assert "LB_PROF_HTTP" not in out and "LB_METHOD_" not in out
    assert out.startswith("config system global\n")
    assert 'edit "port1"' in out


# ------------------------------------------------------------------------------------------ commits
def test_commit_checks(s: Session) -> None:
    ok(s, BASE)
    s.execute("config load-balance virtual-server")
    out = run(s, "edit v\nset type l7-load-balance\nset load-balance-profile LB_PROF_HTTP\nnext")
    assert out.splitlines()[-1] == "Command fail. Return code is -1232"
    assert s.prompt == "FortiADC-VM (virtual-server) # "
    assert ok(s, "get") == ""  # discarded
    out = run(s, "edit v\nset load-balance-profile LB_PROF_HTTP\nset load-balance-pool web_pool\nnext")
    assert out.splitlines()[-1] == "Command fail. Return code is -4240"  # HTTP profile on an L4 VS
    out = run(s, "edit v\nset type l7-load-balance\nset load-balance-profile LB_PROF_HTTPS\nset load-balance-pool web_pool\nnext")
    assert out.splitlines()[-1] == "Command fail. Return code is -4225"
    out = run(s, "edit v\nset type l7-load-balance\nset load-balance-profile LB_PROF_HTTP\nset load-balance-method LB_METHOD_DEST_IP_HASH\nset load-balance-pool web_pool\nnext")
    assert out.splitlines()[-1] == "Command fail. Return code is -1240"
    out = run(s, "edit v\nset type l7-load-balance\nset load-balance-profile LB_PROF_HTTP\nset load-balance-persistence LB_PERSIS_SSL_SESS_ID\nset load-balance-pool web_pool\nnext")
    assert out.splitlines()[-1] == "Command fail. Return code is -4241"
    ok(s, "end")
    ok(s, vs("a", "10.1.1.1", "80"))
    out = run(s, vs("b", "10.1.1.1", "70-90"))
    assert out.splitlines()[-1] == "Command fail. Return code is -1200"
    ok(s, vs("b", "10.1.1.1", "8080"))


def test_https_vs_with_client_ssl_profile(s: Session) -> None:
    ok(s, BASE)
    ok(s, vs(extra="set load-balance-profile LB_PROF_HTTPS\nset client-ssl-profile LB_CLIENT_SSL_PROF_DEFAULT"))
    assert "set client-ssl-profile LB_CLIENT_SSL_PROF_DEFAULT" in ok(s, "show load-balance virtual-server")


def test_pool_and_other_rules(s: Session) -> None:
    ok(s, BASE)
    out = run(s, "config load-balance pool\nedit p\nset health-check-ctrl enable\nend")
    assert out.splitlines()[-1] == "Command fail. Return code is -1554"
    out = run(s, "config load-balance pool\nedit p\nconfig pool_member\nedit 1\nset real-server rs1\nnext\nedit 2\nset real-server rs1\nnext\nend\nend")
    assert out.splitlines()[-1] == "Command fail. Return code is -4301"
    out = run(s, "config load-balance pool\nedit p\nconfig pool_member\nedit 1\nnext")
    assert out.splitlines()[-1] == "Command fail. Return code is -1225"
    ok(s, "end\nabort")
    out = run(s, "config load-balance real-server\nedit rs3\nset ip 10.0.1.11\nend")
    assert out.splitlines()[-1] == "Command fail. Return code is -4300"
    out = run(s, "config system health-check\nedit h\nset type tcp\nset interval 5\nset timeout 5\nend")
    assert out.splitlines()[-1] == "Command fail. Return code is -1552"
    out = run(s, "config load-balance client-ssl-profile\nedit c\nset ssl-allowed-versions tlsv1.0 tlsv1.2\nend")
    assert out.splitlines()[-1] == "Command fail. Return code is -4222"


def test_nested_changes_wait_for_the_parent(s: Session) -> None:
    ok(s, BASE)
    ok(s, "config load-balance pool\nedit web_pool\nconfig pool_member\nedit 3\nset real-server rs2\nset pool_member_service_port 8080\nend")
    assert ok(s, "get load-balance pool web_pool").count("== [") == 2  # not saved yet
    ok(s, "abort")
    assert ok(s, "get load-balance pool web_pool").count("== [") == 2
    ok(s, "config load-balance pool\nedit web_pool\nconfig pool_member\nedit 3\nset real-server rs2\nset pool_member_service_port 8080\nend\nend")
    assert ok(s, "get load-balance pool web_pool").count("== [") == 3


def test_reserved_and_referenced_objects(s: Session) -> None:
    ok(s, BASE)
    ok(s, vs())
    ok(s, "config load-balance profile")
    assert s.execute("edit LB_PROF_HTTP").error.splitlines()[-1] == "Command fail. Return code is -41"
    assert s.execute("delete LB_PROF_HTTP").error.splitlines()[-1] == "Command fail. Return code is -42"
    assert s.prompt == "FortiADC-VM (profile) # "
    ok(s, "end\nconfig load-balance pool")
    assert s.execute("delete web_pool").error.splitlines()[-1] == "Command fail. Return code is -23"
    assert s.execute("delete nope").error.splitlines()[-1] == "Command fail. Return code is -13"
    ok(s, "end\nconfig system interface")
    assert s.execute("delete port1").failed
    ok(s, "end\nconfig load-balance virtual-server\ndelete vs1\nend\nconfig load-balance pool\ndelete web_pool\nend")
    assert ok(s, "get load-balance pool") == ""


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


def test_help_lines_and_completion(s: Session) -> None:
    top = s.help("")
    assert top.splitlines()[0].split() == ["config", "configure", "object"]
    assert "virtual-server" in s.help("config load-balance ")
    ok(s, "config load-balance pool\nedit p")
    assert s.help("set ").splitlines()[0].startswith("addr-type ")
    ok(s, "set health-check-ctrl enable")
    assert any(l.startswith("*health-check-list ") for l in s.help("set ").splitlines())
    assert "LB_HLTHCK_ICMP" in s.help("set health-check-list ")
    assert "system.health-check" in s.help("set health-check-list LB_HLTHCK_I")
    assert [c.word for c in s.complete("set health-check-re")] == ["health-check-relation"]
    assert [c.word for c in s.complete("set health-check-relation ")] == ["AND", "OR"]
    ok(s, "abort")
    assert [c.word for c in s.complete("config load-balance virt")] == ["virtual-server"]
    # a '?' in a script line answers with help and runs nothing
    r = s.execute("config ?")
    assert "load-balance" in r.output and s.prompt == "FortiADC-VM # "


def test_line_continuation(s: Session) -> None:
    ok(s, "config load-balance virtual-server\nedit vs1")
    assert s.execute("set comments \\").output == ""
    assert s.prompt == "> "
    ok(s, '"a b c"')
    assert "comments            : a b c" in ok(s, "get")


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
