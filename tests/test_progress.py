"""A long paste into the console shows progress instead of echoing every line."""
from __future__ import annotations

from adc.appliance import Appliance
from cli.progress import Progress

from .test_console import PASTE_END, PASTE_START, drive


def test_progress_line_and_summary() -> None:
    p = Progress(200)
    for i in range(200):
        p.step(failed=i == 7)
    assert p.line() == "\r[" + "#" * 30 + "] 100% 200/200 lines, 1 failed"
    assert p.summary().startswith("\rloaded 200 lines: 199 ok, 1 failed")
    half = Progress(10)
    for _ in range(5):
        half.step(False)
    assert "[" + "#" * 15 + "." * 15 + "]  50% 5/10 lines" in half.line()


def test_a_long_paste_reports_progress_and_errors_with_line_numbers() -> None:
    app = Appliance(None)
    lines = ["config load-balance real-server"]
    for i in range(150):
        lines += [f"edit rs{i}", f"set ip 10.9.{i // 250}.{i % 250 + 1}", "next"]
    lines[200] = "set ip not-an-ip"
    lines.append("end")
    _, screen, status = drive(app, PASTE_START + "\n".join(lines) + "\n" + PASTE_END)
    text = screen.text()
    assert status == 0
    assert "100% 452/452 lines, 1 failed" in text
    assert "loaded 452 lines: 451 ok, 1 failed" in text
    assert "line 201: set ip not-an-ip" in text and "Return code is -39" in text
    assert "FortiADC-VM (rs3) # " not in text  # no per-line echo
    assert len(app.store.tree.table(("load-balance", "real-server"))) == 150
    app.close()
