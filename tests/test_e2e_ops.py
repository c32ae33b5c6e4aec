"""End to end: the operating commands through the installed ``adc`` (script mode, serving), loopback only."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from .dataplane_helpers import free_port, vs_ip
from .test_e2e_adc import adc_command


def adc(data_dir: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(adc_command() + ["--data-dir", str(data_dir), *args], input=script, capture_output=True,
                          text=True, timeout=120)


def test_installed_adc_pings_traces_filters_and_routes(tmp_path: Path) -> None:
    run = adc(tmp_path / "box", "\n".join([
        "execute ping-option repeat-count 2",
        "execute ping 127.0.0.1",
        "execute ping6 ::1",
        "execute traceroute 127.0.0.1",
        "execute nslookup name localhost",
        "config router static", "edit 1", "set gateway 192.168.1.254", "end",
        "get router info routing-table all",
        "show | grep -f 192.168.1.254",
        "get system interface | grep -c port",
        "diagnose server-load-balance persistence list",
        "execute date 03/10/2015 10:00:00",
        "execute date",
    ]) + "\n")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "PING 127.0.0.1 (127.0.0.1): 56 data bytes\n" in out
    assert "2 packets transmitted, 2 packets received, 0% packet loss\n" in out
    assert "PING ::1 (::1): 56 data bytes\n" in out
    assert re.search(r"^ 1 127\.0\.0\.1 \(127\.0\.0\.1\) [\d.]+ ms [\d.]+ ms [\d.]+ ms$", out, re.M)
    assert "Name: localhost\nAddress: 127.0.0.1\n" in out
    assert "S>* 0.0.0.0/0 [10/0] via 192.168.1.254, port1\nC>* 192.168.1.0/24 is directly connected, port1\n" in out
    assert "config router static\n  edit 1\n    set gateway 192.168.1.254  <---\n  next\nend\n" in out
    assert "\n10\n" in out
    assert "client-ip/port virtual-server-ip/port" in out
    assert re.search(r"^Tue Mar 10 10:00:\d\d \S+ 2015$", out, re.M)


def test_installed_adc_backup_restore_reboot_and_shutdown(tmp_path: Path) -> None:
    box, files = tmp_path / "box", tmp_path / "files"
    ip, port = vs_ip(), free_port()
    first = adc(box, "\n".join([
        "config load-balance real-server", "edit rs1", "set ip 127.0.0.1", "end",
        "config load-balance pool", "edit p", "config pool_member", "edit 1", "set real-server rs1",
        f"set pool_member_service_port {free_port()}", "end", "end",
        "config load-balance virtual-server", "edit v", "set type l4-load-balance", f"set ip {ip}", f"set port {port}",
        "set load-balance-profile LB_PROF_TCP", "set load-balance-pool p", "end",
        "execute backup config tftp saved.cli 192.0.2.10",
        "config system global", "set hostname changed", "end",
        "execute restore config tftp saved.cli 192.0.2.10", "y",
        "get system status | grep Hostname",
        "execute reboot", "y",
        "get load-balance virtual-server-status",
        "execute shutdown", "y",
        "get system status",  # never run: the appliance has halted
    ]) + "\n", "--files-dir", str(files))
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Configuration saved to saved.cli\n" in out and (files / "saved.cli").exists()
    assert "This operation will replace the current configuration and reboot the system!\nConfiguration restored.\n" in out
    assert re.search(r"^Hostname:\s+FortiADC-VM$", out, re.M), out
    assert "This operation will reboot the system !\nSystem is rebooting...\n" in out
    after = out.split("System is rebooting...")[1]
    assert "== [ v ]\nstatus              : enable\navailability        : available\n" in after  # served again
    assert f"address             : {ip}\n" in after
    assert out.endswith("This operation will halt the system!\nSystem is shutting down...(power-cycle needed to restart)\n")
    # the saved configuration is what comes back at the next start
    again = adc(box, "show load-balance virtual-server\n", "--no-serve")
    assert f"set ip {ip}" in again.stdout
