"""``adc.engine.complete``: ``?`` help and Tab candidates at every position of a session."""
from __future__ import annotations

import pytest

from adc.engine.commands import DIAGNOSE, ENTRY_COMMANDS, EXECUTE, ROOT_COMMANDS, SINGLE_COMMANDS, TABLE_COMMANDS
from adc.engine.complete import candidates, help_text, next_candidates
from adc.engine.context import Context
from adc.engine.reply import Candidate
from adc.engine.session import Session
from adc.engine.verb import verb_words
from adc.errors import AdcError

from .engine_helpers import BASE, new_session, ok


@pytest.fixture
def s() -> Session:
    return new_session()


def words(pairs: list[tuple[str, str]]) -> list[str]:
    return [w for w, _ in pairs]


def at(s: Session, script: str) -> Context:
    """The session's context after running ``script`` (which must succeed)."""
    ok(s, script)
    return s.ctx


PATH_WORDS = [("system", "system configuration"), ("router", "router configuration"), ("user", "user authentication"),
              ("endpoint-control", "endpoint control"), ("firewall", "firewall"), ("log", "log configuration"),
              ("link-load-balance", "link load balance"), ("load-balance", "load balance"), ("security", "security"),
              ("global-load-balance", "global load balance"), ("global-dns-server", "global DNS server"),
              ("config", "configuration synchronization")]


# ------------------------------------------------------------------------------------------ top level
def test_top_level_commands(s: Session) -> None:
    ctx = s.ctx
    assert next_candidates(ctx, []) == list(ROOT_COMMANDS.items())
    assert help_text(ctx, "") == (
        "config   configure object\n"
        "get      get dynamic and system information\n"
        "show     show configuration\n"
        "execute  execute static commands\n"
        "diagnose diagnose facility\n"
        "exit     exit CLI\n"
    )
    assert help_text(ctx, "g") == "get get dynamic and system information\n"
    assert help_text(ctx, "e") == "execute execute static commands\nexit    exit CLI\n"
    assert candidates(ctx, "con") == [Candidate("config", "configure object")]
    assert candidates(ctx, "e") == [Candidate("execute", "execute static commands"), Candidate("exit", "exit CLI")]


def test_command_parse_error_for_nonsense(s: Session) -> None:
    ctx = s.ctx
    assert help_text(ctx, "frobnicate ") == "command parse error\n"
    assert help_text(ctx, "zz") == "command parse error\n"
    assert help_text(ctx, "config no-such-group ") == "command parse error\n"
    assert help_text(ctx, "e x") == "command parse error\n"  # ambiguous: execute or exit
    assert candidates(ctx, "frobnicate ") == []
    with pytest.raises(AdcError):
        next_candidates(ctx, ["frobnicate"])


# ------------------------------------------------------------------------------------------ paths
def test_config_paths(s: Session) -> None:
    ctx = s.ctx
    assert next_candidates(ctx, ["config"]) == PATH_WORDS
    lb = next_candidates(ctx, ["config", "load-balance"])
    assert lb[0] == ("real-server", "real server")
    assert ("virtual-server", "virtual server") in lb
    assert "virtual-server-status" not in words(lb)  # reports are for get only
    assert words(next_candidates(ctx, ["config", "system", "certificate"])) == [
        "local", "ca", "intermediate_ca_group", "local_cert_group", "ca_group", "crl", "certificate_verify",
        "intermediate_ca", "remote", "ocsp_stapling", "ocsp"]
    assert next_candidates(ctx, ["conf", "load-b"]) == lb  # prefixes
    assert [c.word for c in candidates(ctx, "config load-balance virtual")] == ["virtual-server"]


def test_get_and_show_paths(s: Session) -> None:
    ctx = at(s, BASE)
    assert next_candidates(ctx, ["get"]) == PATH_WORDS
    assert next_candidates(ctx, ["show"]) == [("full-configuration", "show full configuration")] + PATH_WORDS
    assert next_candidates(ctx, ["show", "full-configuration"]) == PATH_WORDS
    system_get = next_candidates(ctx, ["get", "system"])
    assert [("status", "system status"), ("performance", "system performance"), ("info", "info"),
            ("ha-status", "ha status")] == [p for p in system_get if p[0] in ("status", "performance", "ha-status", "info")]
    assert "status" not in words(next_candidates(ctx, ["show", "system"]))
    assert words(next_candidates(ctx, ["get", "load-balance"]))[-2:] == ["virtual-server-status", "real-server-status"]
    # after a table path: the saved entries, reserved ones included
    assert next_candidates(ctx, ["get", "load-balance", "pool"]) == [("web_pool", "load-balance.pool")]
    assert words(next_candidates(ctx, ["show", "load-balance", "method"]))[:2] == [
        "LB_METHOD_ROUND_ROBIN", "LB_METHOD_LEAST_CONNECTION"]
    # after an entry key, or a single object: nothing more
    assert next_candidates(ctx, ["get", "load-balance", "pool", "web_pool"]) == []
    assert next_candidates(ctx, ["get", "system", "dns"]) == []
    assert help_text(ctx, "get load-balance pool w") == "web_pool load-balance.pool\n"
    assert [c.word for c in candidates(ctx, "show load-balance pool ")] == ["web_pool"]


# ------------------------------------------------------------------------------------------ in a table
def test_inside_a_table(s: Session) -> None:
    ctx = at(s, BASE + "config load-balance profile")
    assert next_candidates(ctx, []) == list(TABLE_COMMANDS.items())
    edit = next_candidates(ctx, ["edit"])
    assert edit[0] == ("<name>", "application profile name")
    assert edit[1:3] == [("LB_PROF_TCP", "load-balance.profile"), ("LB_PROF_UDP", "load-balance.profile")]
    assert next_candidates(ctx, ["delete"]) == []  # reserved entries cannot be deleted
    assert next_candidates(ctx, ["edit", "x"]) == []
    assert [c.word for c in candidates(ctx, "edit LB_PROF_HTTP")][:2] == ["LB_PROF_HTTP", "LB_PROF_HTTPS"]
    assert candidates(ctx, "edit ")[0] == Candidate("LB_PROF_TCP", "load-balance.profile")  # no <name> for Tab
    ctx = at(s, "end\nconfig load-balance pool")
    assert next_candidates(ctx, ["delete"]) == [("web_pool", "load-balance.pool")]


def test_inside_a_nested_table(s: Session) -> None:
    ctx = at(s, BASE + "config load-balance pool\nedit web_pool\nconfig pool_member")
    assert next_candidates(ctx, ["edit"]) == [
        ("<No.>", "pool member No."), ("1", "load-balance.pool.pool_member"), ("2", "load-balance.pool.pool_member")]
    assert words(next_candidates(ctx, ["delete"])) == ["1", "2"]


# ------------------------------------------------------------------------------------------ in an entry
def test_set_lists_attributes_in_force_with_required_ones_starred(s: Session) -> None:
    ctx = at(s, BASE + "config load-balance virtual-server\nedit v")
    assert next_candidates(ctx, []) == list(ENTRY_COMMANDS.items())
    names = words(next_candidates(ctx, ["set"]))
    assert names[:4] == ["status", "type", "multi-process", "packet-forwarding-method"]
    assert [n for n in names if n.startswith("*")] == ["*load-balance-profile", "*load-balance-pool"]
    assert "error-msg" not in names and "client-ssl-profile" not in names
    assert help_text(ctx, "set load-balance-p") == (
        "*load-balance-profile    application profile\n"
        "load-balance-persistence persistence\n"
        "*load-balance-pool       real server pool\n"
    )
    assert [c.word for c in candidates(ctx, "set load-balance-p")] == [
        "load-balance-profile", "load-balance-persistence", "load-balance-pool"]
    assert next_candidates(ctx, ["unset"]) == next_candidates(ctx, ["set"])
    assert next_candidates(ctx, ["unset", "type"]) == []
    # the list follows the entry's values, dotted conditions included
    ok(s, "set type l7-load-balance\nset load-balance-profile LB_PROF_HTTPS")
    names = words(next_candidates(ctx, ["set"]))
    assert "packet-forwarding-method" not in names
    assert "error-msg" in names and "client-ssl-profile" in names and "ssl-mirror" in names


def test_values_of_options_and_refs(s: Session) -> None:
    ctx = at(s, BASE + "config load-balance virtual-server\nedit v")
    assert next_candidates(ctx, ["set", "type"]) == [
        ("l2-load-balance", "layer 2 load balance"), ("l4-load-balance", "layer 4 load balance"),
        ("l7-load-balance", "layer 7 load balance")]
    assert next_candidates(ctx, ["set", "type", "l7-load-balance"]) == []  # one value only
    assert next_candidates(ctx, ["set", "load-balance-pool"]) == [("web_pool", "load-balance.pool")]
    assert words(next_candidates(ctx, ["set", "load-balance-method"]))[:2] == [
        "LB_METHOD_ROUND_ROBIN", "LB_METHOD_LEAST_CONNECTION"]
    assert [c.word for c in candidates(ctx, "set ty l")] == ["l2-load-balance", "l4-load-balance", "l7-load-balance"]
    assert [c.word for c in candidates(ctx, "set load-balance-method LB_METHOD_H")] == [
        "LB_METHOD_HOST", "LB_METHOD_HOST_DOMAIN"]
    ok(s, "abort\nconfig load-balance pool\nedit web_pool")
    rs_ssl = next_candidates(ctx, ["set", "real-server-ssl-profile"])
    assert rs_ssl[:2] == [("NONE", "load-balance.real-server-ssl-profile"),
                          ("LB_RS_SSL_PROF_NONE", "load-balance.real-server-ssl-profile")]
    # a multi-valued reference keeps offering values after the first
    ok(s, "set health-check-ctrl enable")
    assert words(next_candidates(ctx, ["set", "health-check-list", "LB_HLTHCK_HTTP"]))[:2] == [
        "LB_HLTHCK_HTTP", "LB_HLTHCK_HTTPS"]


def test_value_hints(s: Session) -> None:
    ctx = at(s, "config load-balance virtual-server\nedit v")
    assert next_candidates(ctx, ["set", "connection-limit"]) == [("<integer>", "connection limit, 0 = off (0-1048576)")]
    assert help_text(ctx, "set connection-limit ") == "<integer> connection limit, 0 = off (0-1048576)\n"
    assert candidates(ctx, "set connection-limit ") == []  # hints are not inserted by Tab
    assert help_text(ctx, "set connection-limit 5 ") == "command parse error\n"
    assert next_candidates(ctx, ["set", "ip"]) == [("<class_ip>", "ip address")]
    assert next_candidates(ctx, ["set", "comments"]) == [("<string>", "comments")]
    # port lists take several words
    assert next_candidates(ctx, ["set", "port"]) == [("<port>", "port")]
    assert next_candidates(ctx, ["set", "port", "80"]) == [("<port>", "port")]
    ok(s, "abort\nconfig system interface\nedit port3")
    assert next_candidates(ctx, ["set", "ip"]) == [("<ip&netmask>", "ip address and netmask")]
    assert next_candidates(ctx, ["set", "mtu"]) == [("<integer>", "maximum transmission unit (68-9000)")]


def test_config_inside_an_entry_lists_its_tables(s: Session) -> None:
    ctx = at(s, BASE + "config load-balance pool\nedit web_pool")
    assert next_candidates(ctx, ["config"]) == [("pool_member", "pool member")]
    assert next_candidates(ctx, ["config", "pool_member"]) == []
    ctx = at(s, "abort\nconfig load-balance profile\nedit p\nset type tcp")
    assert next_candidates(ctx, ["config"]) == []
    ok(s, "set type http")
    assert words(next_candidates(ctx, ["config"]))[:2] == ["client-request-header-erase", "client-request-header-insert"]


def test_single_object(s: Session) -> None:
    ctx = at(s, "config system dns")
    assert next_candidates(ctx, []) == list(SINGLE_COMMANDS.items())
    assert "next" not in SINGLE_COMMANDS
    assert next_candidates(ctx, ["set"]) == [("primary", "primary DNS server"), ("secondary", "secondary DNS server")]
    assert help_text(ctx, "set nosuch ") == "command parse error\n"


# ------------------------------------------------------------------------------------------ verbs
def test_execute_and_diagnose_words(s: Session) -> None:
    ctx = s.ctx
    assert next_candidates(ctx, ["execute"]) == list(verb_words(EXECUTE, ()).items())
    assert {"backup", "certificate", "date", "factoryreset", "factoryreset2", "health-check-verify", "log", "nslookup",
            "ping", "ping-option", "ping6", "ping6-option", "reboot", "reload", "restore", "shutdown", "time",
            "traceroute"} <= set(words(next_candidates(ctx, ["execute"])))
    assert {("debug", "debug"), ("server-load-balance", "server-load-balance")} <= set(next_candidates(ctx, ["diagnose"]))
    assert next_candidates(ctx, ["diagnose"]) == list(verb_words(DIAGNOSE, ()).items())
    assert next_candidates(ctx, ["diagnose", "debug"]) == [
        ("cmdb", "cmdb debug level"), ("disable", "disable debug output"), ("enable", "enable debug output"),
        ("flow", "flow"), ("info", "show debug info"), ("module", "module"), ("timestamp", "timestamp debug messages")]
    assert next_candidates(ctx, ["execute", "backup"]) == [("config", "backup")]
    assert next_candidates(ctx, ["exec", "cert", "loc"]) == [
        ("export", "export a local certificate"), ("generate", "generate a local certificate"),
        ("import", "import a certificate and key from one file"), ("import-pair", "import a certificate and its key"),
        ("regenerate", "regenerate the Factory certificate")]
    assert help_text(ctx, "execute b") == "backup backup\n"
    assert help_text(ctx, "execute nosuch ") == "command parse error\n"


def test_usage_hints(s: Session) -> None:
    ctx = s.ctx
    assert next_candidates(ctx, ["diagnose", "debug", "cmdb"]) == [("<0-8>", "diagnose debug cmdb [<0-8>]")]
    assert help_text(ctx, "diagnose debug cmdb ") == "<0-8> diagnose debug cmdb [<0-8>]\n"
    assert next_candidates(ctx, ["diagnose", "debug", "cmdb", "3"]) == []
    usage = "execute backup config {disk|tftp|ftp} <file> [<ip>] [<user>] [<password>]"
    assert next_candidates(ctx, ["execute", "backup", "config"]) == [("disk", usage), ("tftp", usage), ("ftp", usage)]
    assert next_candidates(ctx, ["execute", "backup", "config", "disk"]) == [("<file>", usage)]
    assert next_candidates(ctx, ["execute", "backup", "config", "tftp", "f.cli"]) == [("<ip>", usage)]
    usage = next_candidates(ctx, ["execute", "health-check-verify"])[0][1]
    assert usage.startswith("execute health-check-verify <health-check> <ip> [port]")
    assert next_candidates(ctx, ["execute", "health-check-verify"]) == [("<health-check>", usage)]
    assert next_candidates(ctx, ["execute", "health-check-verify", "LB_HLTHCK_HTTP"]) == [("<ip>", usage)]
    assert next_candidates(ctx, ["execute", "factoryreset"]) == []
    assert candidates(ctx, "diagnose debug cmdb ") == []


def test_usage_hints_count_literal_words_and_choices(s: Session) -> None:
    """Every argument of a usage line counts: a literal word is offered (and Tab inserts it), ``{a|b}``
    offers its choices, an optional ``[port]`` is a hint; the second form after `` | `` is not mixed in."""
    ctx = s.ctx
    pair = "execute certificate local import-pair tftp <cert-file> <key-file> <key-password|null> <tftp-ip>"
    assert next_candidates(ctx, ["execute", "certificate", "local", "import-pair"]) == [("tftp", pair)]
    assert candidates(ctx, "execute certificate local import-pair ") == [Candidate("tftp", pair)]
    assert next_candidates(ctx, ["execute", "certificate", "local", "import-pair", "tftp"]) == [("<cert-file>", pair)]
    assert next_candidates(ctx, "execute certificate local import-pair tftp a b c".split()) == [("<tftp-ip>", pair)]
    assert next_candidates(ctx, "execute certificate local import-pair tftp a b c 10.0.0.1".split()) == []
    usage = next_candidates(ctx, ["execute", "health-check-verify"])[0][1]
    assert next_candidates(ctx, ["execute", "health-check-verify", "hc", "10.0.0.1"]) == [("<port>", usage)]
    assert next_candidates(ctx, ["execute", "health-check-verify", "hc", "10.0.0.1", "80"]) == []
    display = "execute log display {traffic|event} [<lines>]"
    assert next_candidates(ctx, ["execute", "log", "display"]) == [("traffic", display), ("event", display)]
    assert next_candidates(ctx, ["execute", "log", "display", "traffic"]) == [("<lines>", display)]
    assert next_candidates(ctx, ["diagnose", "server-load-balance", "session", "filter"]) == []


def test_no_help_while_a_question_waits(s: Session) -> None:
    ok(s, BASE + "config load-balance pool")
    s.execute("purge")
    assert s.awaiting_answer
    assert s.help("") == ""
    s.execute("n")
    assert s.help("e") == "edit add/edit a table value\nend  end and save last config\n"


# ------------------------------------------------------------------------------------------ through a session
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
