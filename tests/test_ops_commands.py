"""Operating commands through the engine: execute (ping, traceroute, nslookup, date, reboot, shutdown,
backup/restore, factoryreset2, the commands that cannot act here), get/diagnose status views, and the
``| grep`` output filters. Probes go to loopback only."""
from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from adc.appliance import Appliance
from adc.engine.outfilter import parse_grep
from adc.engine.session import Session
from cli.pager import split_pages

from .dataplane_helpers import appliance, backends, connect, echo, free_port, pool_script, recv_until, run, vs_ip, vs_script



@pytest.fixture
def s() -> Session:
    return Appliance(None).session()


def out(s: Session, line: str) -> str:
    r = s.execute(line)
    assert not r.failed, (line, r.error)
    return r.output


def err(s: Session, line: str) -> str:
    r = s.execute(line)
    assert r.failed, (line, r.output)
    return r.error


def closed_by_peer(conn: socket.socket) -> bool:
    """The peer closed the connection (an orderly close or a reset); the socket is closed after."""
    conn.settimeout(10)
    try:
        return conn.recv(100) == b""
    except ConnectionResetError:
        return True
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------ ping
def test_ping_loopback_real_echo_with_the_reference_format(s: Session) -> None:
    got = out(s, "execute ping 127.0.0.1").splitlines()
    assert got[0] == "PING 127.0.0.1 (127.0.0.1): 56 data bytes"
    replies = got[1:6]
    for seq, line in enumerate(replies):  # 5 packets by default, each answered
        assert re.fullmatch(rf"64 bytes from 127\.0\.0\.1: icmp_seq={seq} ttl=64 time=\d+\.\d ms", line), line
    assert got[6] == "--- 127.0.0.1 ping statistics ---"
    assert got[7] == "5 packets transmitted, 5 packets received, 0% packet loss"
    assert re.fullmatch(r"round-trip min/avg/max = \d+\.\d/\d+\.\d/\d+\.\d ms", got[8])
    assert len(got) == 9


def test_ping6_and_ping_options_are_honoured_per_session(s: Session) -> None:
    out(s, "execute ping6-option repeat-count 2")
    out(s, "execute ping6-option data-size 100")
    got = out(s, "execute ping6 ::1").splitlines()
    assert got[0] == "PING ::1 (::1): 100 data bytes"
    assert [l.split(":")[0] for l in got[1:3]] == ["108 bytes from ", "108 bytes from "]
    assert got[1].startswith("108 bytes from ::1: icmp_seq=0")
    assert got[-2] == "2 packets transmitted, 2 packets received, 0% packet loss"
    # the IPv4 options are their own, and another session has the defaults
    assert "Repeat Count: 5" in out(s, "execute ping-option view-settings")
    assert "Repeat Count: 2" in out(s, "execute ping6-option view-settings")
    other = Appliance(None).session()
    assert "Repeat Count: 5" in out(other, "execute ping6-option view-settings")


def test_ping_option_ttl_pattern_and_validate(s: Session) -> None:
    for line in ("repeat-count 1", "ttl 9", "pattern 00ffaabb", "validate-reply yes", "tos lowdelay", "df-bit yes"):
        out(s, "execute ping-option " + line)
    view = out(s, "execute ping-option view-settings").splitlines()
    assert view == ["Ping Options:", "  Repeat Count: 1", "  Data Size: 56", "  Timeout: 2", "  Interval: 1",
                    "  TTL: 9", "  TOS: 16", "  DF bit: set", "  Source Address: auto", "  Pattern: 00ffaabb",
                    "  Pattern Size in Bytes: 4", "  Validate Reply: yes"]
    got = out(s, "execute ping 127.0.0.1")
    # loopback answers with its own TTL; the pattern came back as sent (validate-reply)
    assert "icmp_seq=0 ttl=" in got and "(wrong data)" not in got
    assert "1 packets transmitted, 1 packets received" in got
    assert err(s, "execute ping-option ttl 0").startswith("ttl: an integer 1-255\n")
    assert err(s, "execute ping-option ttl").startswith("Usage: execute ping-option ttl <1-255>\n")
    assert s.help("execute ping-option ").splitlines()[1] == "df-bit         set DF bit in IP header <yes | no>"
    assert err(s, "execute ping-option pattern zz").startswith("pattern: hex digits")


def test_ping_of_a_name_that_does_not_resolve_says_so_in_one_line(s: Session) -> None:
    e = err(s, "execute ping no-such-host.invalid")
    assert e.startswith("ping: unknown host no-such-host.invalid") and e.count("\n") == 1
    assert err(s, "execute ping").startswith("Usage: execute ping <host-name|host-ip>")


def test_traceroute_and_nslookup_on_loopback(s: Session) -> None:
    got = out(s, "execute traceroute 127.0.0.1").splitlines()
    assert got[0] == "traceroute to 127.0.0.1 (127.0.0.1), 30 hops max, 38 byte packets"
    assert re.fullmatch(r" 1 127\.0\.0\.1 \(127\.0\.0\.1\) \d+\.\d{3} ms \d+\.\d{3} ms \d+\.\d{3} ms", got[1]), got
    assert len(got) == 2
    look = out(s, "execute nslookup name localhost").splitlines()
    assert look[:3] == ["", "Non-authoritative answer:", "Name: localhost"]
    assert "Address: 127.0.0.1" in look
    assert out(s, "execute nslookup name 127.0.0.1").splitlines()[3] == "Address: 127.0.0.1"
    assert "NXDOMAIN" in err(s, "execute nslookup name no-such-host.invalid")


# ------------------------------------------------------------------------------------------ date, power
def test_date_and_time_show_and_set_an_offset_not_the_host_clock(s: Session) -> None:
    shown = out(s, "execute date").strip()
    assert re.fullmatch(r"\w{3} \w{3} \d\d \d\d:\d\d:\d\d \S+ \d{4}", shown)
    assert out(s, "execute date 03/10/2015 10:00:47") == ""
    assert re.fullmatch(r"Tue Mar 10 10:00:4\d \S+ 2015", out(s, "execute date").strip())
    assert out(s, "execute time 11:12:13") == ""
    assert re.fullmatch(r"current time is: 11:12:1\d", out(s, "execute time").strip())
    import time as host

    assert host.localtime().tm_year >= 2024  # the host's clock is untouched
    assert err(s, "execute date 13/01/2015").startswith("Usage: execute date")
    assert err(s, "execute date 02/31/2015").startswith("Usage: execute date")
    assert err(s, "execute time 25:00").startswith("Usage: execute time")


def test_reboot_asks_and_serves_the_saved_configuration_again() -> None:
    with backends(echo(b"hi:")) as bs, appliance() as app:
        s = app.session()
        ip, port = vs_ip(), free_port()
        run(s, pool_script("p", [bs[0].port], ip="127.0.0.1"))
        run(s, vs_script("v", ip, port, "p"))
        old_plane = app.dataplane
        live = connect(ip, port)
        assert recv_until(live, b"hi:") == b"hi:"
        assert s.execute("execute reboot").output == "This operation will reboot the system !\n"
        assert s.prompt == "Do you want to continue? (y/n)"
        assert s.execute("n").output == "" and app.dataplane is old_plane
        s.execute("execute reboot")
        assert s.execute("y").output.startswith("System is rebooting...\n")
        assert app.dataplane is not None and app.dataplane is not old_plane and s.depth == 0
        assert closed_by_peer(live)  # the old connection was closed by the reboot
        with connect(ip, port) as again:
            assert recv_until(again, b"hi:") == b"hi:"  # serving again, on the same configuration


def test_shutdown_asks_then_stops_serving_and_ends_the_session() -> None:
    with appliance() as app:
        s = app.session()
        assert s.execute("execute shutdown").output == "This operation will halt the system!\n"
        r = s.execute("y")
        assert r.output == "System is shutting down...(power-cycle needed to restart)\n" and r.exit
        assert app.dataplane is None


def test_backup_and_restore_in_the_real_syntax(s: Session, tmp_path: Path) -> None:
    app = s.app
    assert isinstance(app, Appliance)
    app.files_dir = tmp_path
    run(s, "config system global\nset hostname box1\nend")
    assert out(s, "execute backup config disk a.cli") == "Configuration saved to a.cli\n"
    assert out(s, "execute backup config tftp b.cli 192.0.2.1") == "Configuration saved to b.cli\n"
    assert out(s, "execute backup config ftp c.cli 192.0.2.1 user secret") == "Configuration saved to c.cli\n"
    assert (tmp_path / "a.cli").read_text() == (tmp_path / "b.cli").read_text() == (tmp_path / "c.cli").read_text()
    assert "set hostname box1" in (tmp_path / "a.cli").read_text()
    assert err(s, "execute backup config tftp b.cli notanip").startswith("Usage: execute backup config {disk|tftp|ftp}")
    assert err(s, "execute backup config tftp b.cli").startswith("Usage:")
    run(s, "config system global\nset hostname box2\nend")
    for form in ("disk a.cli", "tftp b.cli 192.0.2.1", "ftp c.cli 192.0.2.1"):
        run(s, "config system global\nset hostname other\nend")
        assert s.execute(f"execute restore config {form}").output.startswith("This operation will replace")
        assert s.execute("y").output == "Configuration restored.\n"
        assert s.hostname() == "box1"


def test_factoryreset2_keeps_interfaces_static_routes_and_global(s: Session) -> None:
    run(s, "config router static\nedit 1\nset gateway 192.168.1.254\nend")
    run(s, "config system global\nset hostname keep\nend")
    run(s, "config load-balance real-server\nedit rs1\nset ip 10.0.0.1\nend")
    s.execute("execute factoryreset2")
    assert s.execute("y").output == "System is resetting to factory defaults...\n"
    assert "set gateway 192.168.1.254" in out(s, "show router static")
    assert s.hostname() == "keep"
    assert "rs1" not in out(s, "show load-balance real-server")


# The execute, diagnose and get headings of CLI744 (pp. 510-625), and the documented forms of a few.
DOCUMENTED = (
    "execute 40G-fan-out-config",
    "execute autoupdate",
    "execute caching",
    "execute certificate ca",
    "execute certificate config",
    "execute certificate crl",
    "execute certificate local",
    "execute certificate local import automated",
    "execute certificate local import-pair tftp",
    "execute certificate remote",
    "execute checklogdisk",
    "execute clean",
    "execute config-sync",
    "execute curl",
    "execute curl-option",
    "execute date",
    "execute discovery-glb-virtual-server",
    "execute dns rebuild",
    "execute dumpsystem",
    "execute dumpsystem-file",
    "execute factoryreset",
    "execute factoryreset2",
    "execute fctems",
    "execute fixlogdisk",
    "execute formatlogdisk",
    "execute forticloud create-account",
    "execute forticloud login",
    "execute forticloud try",
    "execute geolookup",
    "execute glb-dprox-lookup",
    "execute glb-persistence-lookup",
    "execute ha force fetch-peers-info",
    "execute ha force standby",
    "execute ha force sync-config",
    "execute ha force transfer-file",
    "execute ha manage",
    "execute hardware-ssl list-ciphers",
    "execute health-check-verify",
    "execute hwmon",
    "execute isplookup",
    "execute log delete-file",
    "execute log delete-type",
    "execute log list-type",
    "execute log rebuild-db",
    "execute nslookup",
    "execute oas-file import",
    "execute packet-capture",
    "execute packet-capture-file",
    "execute ping",
    "execute ping-option",
    "execute reboot",
    "execute reload",
    "execute restore",
    "execute scan-report export",
    "execute scan-report import",
    "execute scripting-shared-table",
    "execute shutdown",
    "execute ssh",
    "execute ssli mode",
    "execute statistics-db",
    "execute telnet",
    "execute traceroute",
    "execute update-dldb",
    "execute update-now",
    "execute vm license",
    "execute waf block-ip",
    "execute web-category-test",
    "execute web-vulnerability-scan",
    "execute web-vulnerability-scan mitigate",
    "diagnose antivirus quarantine",
    "diagnose debug cmdb",
    "diagnose debug enable",
    "diagnose debug flow",
    "diagnose debug info",
    "diagnose debug module",
    "diagnose debug module fcnacd",
    "diagnose debug module fnginx",
    "diagnose debug module httproxy scripting",
    "diagnose debug module httproxy ssl",
    "diagnose debug module httproxy ztna",
    "diagnose debug module kernel",
    "diagnose debug module miglogd syslog",
    "diagnose debug module named",
    "diagnose debug module waf",
    "diagnose debug module wassd",
    "diagnose debug timestamp",
    "diagnose endpoint-control client list",
    "diagnose endpoint-control tag list",
    "diagnose firewall-session clear",
    "diagnose hardware deviceinfo",
    "diagnose hardware ioport",
    "diagnose hardware pciconfig",
    "diagnose hardware sysinfo",
    "diagnose llb policy list",
    "diagnose netlink backlog",
    "diagnose netlink device",
    "diagnose netlink interface",
    "diagnose netlink ip",
    "diagnose netlink neighbor",
    "diagnose netlink route",
    "diagnose netlink tcp",
    "diagnose netlink udp",
    "diagnose server-load-balance dns-clients",
    "diagnose server-load-balance persistence",
    "diagnose server-load-balance session",
    "diagnose server-load-balance slb_load",
    "diagnose sniffer packet",
    "diagnose system threat-analytics info",
    "diagnose system top",
    "diagnose system vm",
    "diagnose tech-report",
    "diagnose waf api-security memory",
    "get firewall global",
    "get router info bgp all",
    "get router info bgp ip",
    "get router info bgp neighbors",
    "get router info bgp regexp",
    "get router info bgp summary",
    "get router info ospf",
    "get router info routing-table",
    "get router info6 bgp all",
    "get router info6 bgp ip",
    "get router info6 bgp neighbors",
    "get router info6 bgp regexp",
    "get router info6 bgp summary",
    "get security scan-report",
    "get security scan-task",
    "get security waf-signature-status",
    "get system ha-status",
    "get system performance",
    "get system status",
    "get system traffic-group",
    "get system traffic-group status",
    "execute ping6 ::1",
    "execute ping6-option view-settings",
    "execute packet-capture6",
    "execute restore config disk none.cli",
    "execute restore config-file tftp a.zip 192.0.2.1",
    "execute restore image tftp a.out 192.0.2.1",
    "execute restore geoip-db factory-default",
    "execute restore isp-address tftp a 192.0.2.1",
    "execute restore waf-signature tftp a 192.0.2.1",
    "execute restore reputation-block-list tftp a 192.0.2.1",
    "execute backup config disk b.cli",
    "get router info routing-table all",
    "get system interface",
)


def test_no_documented_command_answers_unknown_action() -> None:
    s = Appliance(None).session()
    for h in DOCUMENTED:
        if h.split()[1] in ("reboot", "shutdown", "reload", "factoryreset", "factoryreset2"):
            continue  # their question is tested above
        r = s.execute(h)
        if s.awaiting_answer:
            s.execute("n")
        assert "Unknown action 0" not in r.error, h
        if r.failed and "not available" in r.error:
            assert r.error.count("\n") == 1, r.error  # one clear line


# ------------------------------------------------------------------------------------------ get / diagnose
def test_routing_table_from_interfaces_and_static_routes(s: Session) -> None:
    head = ["Codes: K - kernel route, C - connected, S - static, O - OSPF, P - PPPoE",
            "       > - selected route, * - FIB route", ""]
    assert out(s, "get router info routing-table all").splitlines() == head + [
        "C>* 192.168.1.0/24 is directly connected, port1"]
    run(s, """config system interface
edit port2
set ip 172.30.147.1/22
end
config router static
edit 1
set gateway 172.30.147.254
next
edit 2
set destination 10.0.0.0/8
set gateway 192.0.2.1
next
edit 3
set destination 10.1.0.0/16
set gateway 192.168.1.1
set distance 20
next
edit 4
set destination 10.1.0.0/16
set gateway 172.30.147.2
set distance 5
end""")
    assert out(s, "get router info routing-table all").splitlines() == head + [
        "S>* 0.0.0.0/0 [10/0] via 172.30.147.254, port2",
        "S   10.0.0.0/8 [10/0] via 192.0.2.1 inactive",
        "S>* 10.1.0.0/16 [5/0] via 172.30.147.2, port2",
        "S   10.1.0.0/16 [20/0] via 192.168.1.1, port1",
        "C>* 172.30.144.0/22 is directly connected, port2",
        "C>* 192.168.1.0/24 is directly connected, port1"]
    assert [l[:1] for l in out(s, "get router info routing-table kernel-connected").splitlines()[3:]] == ["C", "C"]
    assert [l[:1] for l in out(s, "get router info routing-table kernel-static").splitlines()[3:]] == ["S"] * 4
    assert out(s, "get router info routing-table kernel-llb").splitlines() == head
    run(s, "config system interface\nedit port2\nset status down\nend")
    assert "S   0.0.0.0/0 [10/0] via 172.30.147.254 inactive" in out(s, "get router info routing-table all")


def test_get_system_interface_summary_and_ha_status(s: Session) -> None:
    got = out(s, "get system interface").splitlines()
    assert got[:8] == ["== [ port1 ]", "type: physical", "vdom: root", "redundant-primary: 0", "ip: 192.168.1.99/24",
                       "ip6: ::/0", "allowaccess: https ping ssh http telnet", "status: up"]
    assert got.count("== [ port10 ]") == 1
    assert out(s, "get system interface port1").startswith("status")  # one entry: every field, as before
    assert out(s, "get system ha-status").splitlines()[:2] == ["Mode: standalone", "State: standalone"]


def test_diagnose_debug_commands(s: Session) -> None:
    assert out(s, "diagnose debug info").splitlines()[:3] == [
        "debug output: disable", "kernel debug level: 0 (0x0)", "cli/cmdb debug level: 0 (0x0)"]
    out(s, "diagnose debug enable")
    out(s, "diagnose debug cmdb 8")
    out(s, "diagnose debug timestamp enable")
    info = out(s, "diagnose debug info").splitlines()
    assert info[0] == "debug output: enable" and "cli/cmdb debug level: 8 (0x8)" in info
    assert out(s, "diagnose debug cmdb") == "cli/cmdb debug level: 8\n"
    out(s, "diagnose debug disable")
    assert out(s, "diagnose debug info").startswith("debug output: disable")
    assert err(s, "diagnose debug cmdb 9").startswith("Usage: diagnose debug cmdb [<0-8>]")


def test_persistence_list_filter_clear_and_session_clear() -> None:
    with backends(echo(b"a:"), echo(b"b:")) as bs, appliance() as app:
        s = app.session()
        ip, port = vs_ip(), free_port()
        run(s, pool_script("pp", [b.port for b in bs]))
        run(s, vs_script("pv", ip, port, "pp", extra="set load-balance-persistence LB_PERSIS_SRC_ADDR"))
        with connect(ip, port) as c:
            first = recv_until(c, b":")
        listed = out(s, "diagnose server-load-balance persistence list").splitlines()
        assert listed[0].startswith("client-ip/port virtual-server-ip/port local-ip/port real-server-ip/port")
        assert len(listed) == 2, listed
        member_port = bs[0].port if first == b"a:" else bs[1].port
        assert re.fullmatch(rf"127\.0\.0\.1/32 - - 127\.0\.0\.1/{member_port} tcp source-address persist 0 0 \d+ pv "
                            r"rs-127\.0\.0\.1", listed[1]), listed[1]
        # a filter on another virtual server hides it, and clear leaves it alone
        out(s, "diagnose server-load-balance persistence filter 'vs-name other'")
        assert out(s, "diagnose server-load-balance persistence filter show").splitlines() == [
            "filter=[flag:1000", "source ip range: :: - :: port range: 0 - 0",
            "dest ip range: :: - :: port range: 0 - 0", "virtual server: other ]"]
        assert len(out(s, "diagnose server-load-balance persistence list").splitlines()) == 1
        out(s, "diagnose server-load-balance persistence clear")
        out(s, "diagnose server-load-balance persistence filter clear")
        assert len(out(s, "diagnose server-load-balance persistence list").splitlines()) == 2
        out(s, "diagnose server-load-balance persistence filter 'source-ip 127.0.0.1'")
        assert len(out(s, "diagnose server-load-balance persistence list").splitlines()) == 2
        out(s, "diagnose server-load-balance persistence clear")
        assert len(out(s, "diagnose server-load-balance persistence list").splitlines()) == 1
        # session clear closes the live sessions that match the session filter
        live = connect(ip, port)
        assert recv_until(live, b":") in (b"a:", b"b:")
        # the session was registered before the member's greeting came through it
        assert len(out(s, "diagnose server-load-balance session list").splitlines()) == 2
        out(s, "diagnose server-load-balance session filter 'vs-name other'")
        out(s, "diagnose server-load-balance session clear")
        live.settimeout(0.2)
        with pytest.raises(socket.timeout):
            live.recv(10)  # still open
        out(s, "diagnose server-load-balance session filter clear")
        out(s, "diagnose server-load-balance session clear")
        assert closed_by_peer(live)  # closed by the appliance


def test_persistence_commands_without_a_data_plane(s: Session) -> None:
    assert out(s, "diagnose server-load-balance persistence list").splitlines()[1] == \
        "The data plane is not running: no live status."
    assert out(s, "diagnose server-load-balance persistence clear") == ""


# ------------------------------------------------------------------------------------------ | grep
def test_grep_options_on_show_get_and_diagnose(s: Session) -> None:
    assert out(s, "get system interface | grep -c port") == "10\n"
    shown = out(s, "show system interface").splitlines()
    at = shown.index('  edit "port10"') + 1
    assert out(s, "show system interface | grep -n port1") == f'2:  edit "port1"\n{at}:  edit "port10"\n'
    assert out(s, 'show system interface | grep "port1\\"$"') == '  edit "port1"\n'
    assert out(s, "get system interface port1 | grep -i ^IP") == "ip                  : 192.168.1.99/24\nip6                 : ::/0\n"
    assert "set" not in out(s, "show system interface | grep -v set")
    assert out(s, "show system interface | grep -A1 port10") == '  edit "port10"\n    set vdom root\n'
    assert out(s, "show system interface | grep -B1 -n 'edit \"port2\"'") == "8-  next\n9:  edit \"port2\"\n"
    assert out(s, "show system interface | grep -C1 port3").splitlines() == [
        "  next", '  edit "port3"', "    set vdom root"]
    assert out(s, "diagnose debug info | grep -c level") == "27\n"
    assert out(s, "show | grep -v set | grep -c edit") == out(s, "show | grep -c edit")  # filters chain
    assert out(s, "show | grep (") == ""  # not a regular expression: plain text, as grep's basic syntax
    assert out(s, "show system interface | grep nothing-like-this") == ""


def test_grep_f_prints_the_configuration_context(s: Session) -> None:
    assert out(s, "show full-configuration system interface | grep -f 'edit \"port2\"'").splitlines()[:2] == [
        "config system interface", '  edit "port2"  <---']
    run(s, "config load-balance real-server\nedit rs1\nset ip 10.0.0.1\nnext\nedit rs2\nset ip 10.0.0.2\nend")
    run(s, "config load-balance pool\nedit p\nconfig pool_member\nedit 1\nset real-server rs1\nnext\nedit 2\n"
           "set real-server rs2\nend\nend")
    got = out(s, "show | grep -f rs2").splitlines()
    assert got == [
        "config load-balance real-server",
        '  edit "rs2"  <---',
        "    set ip 10.0.0.2",
        "  next",
        "end",
        "config load-balance pool",
        '  edit "p"',
        "    config  pool_member",
        "      edit 2",
        "        set real-server rs2  <---",
        "      next",
        "    end",
        "  next",
        "end",
    ]


def test_grep_errors_and_where_a_filter_is_refused(s: Session) -> None:
    assert err(s, "show | grep") == "Usage: grep [-invfcABC] PATTERN\nCommand fail. Return code is -61\n"
    assert err(s, "show | grep -q x").startswith("grep: invalid option -- 'q'\n")
    assert err(s, "show | sort").startswith("only grep may follow '|'\n")
    assert err(s, "execute date | grep x") == "Command fail. CLI parsing error\n"
    assert out(s, "show system global | grep 'zz|qq'") == ""  # a quoted | is part of the pattern
    assert parse_grep(["grep", "-iv", "x"]).invert


def test_paging_comes_after_the_filter(s: Session) -> None:
    text = out(s, "show full-configuration | grep -f port")
    assert "<---" in text
    pages = split_pages(text, 10)
    assert "".join(pages) == text and all(len(p.splitlines()) <= 9 for p in pages)
    assert len(pages) == -(-len(text.splitlines()) // 9)


def test_console_pages_the_filtered_output_with_more() -> None:
    from cli.pager import MORE

    from .test_console import paged

    app = Appliance(None)
    try:
        filtered = app.session().execute("show full-configuration | grep -f port").output.splitlines(keepends=True)
        assert len(filtered) > 20 and all("port" in l or not l.endswith("<---\n") for l in filtered)
        written, screen = paged(app, "show full-configuration | grep -f port\r q")
        assert written == ["".join(filtered[:9]), "".join(filtered[9:18])]  # a page, space: a page, q: stop
        assert screen.text().count(MORE) >= 2
    finally:
        app.close()
