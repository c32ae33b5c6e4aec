"""The reference's example scripts and transcripts, replayed through the engine."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from adc.appliance import Appliance
from adc.engine.script import run_lines
from adc.engine.session import Session

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
EXAMPLES = sorted((FIXTURES / "examples").glob("*.cli"))
TRANSCRIPT = FIXTURES / "examples" / "fortinet-cli-reference-7.4.4_l4-vs-session-transcript.txt"


def fresh() -> Session:
    return Appliance(None).session()


def replay(lines: list[str]) -> Session:
    s = fresh()
    bad = [(r.lineno, r.line, r.reply.error) for r in run_lines(s, lines) if r.reply.failed]
    assert not bad, bad[:3]
    return s


def test_examples_are_present() -> None:
    assert len(EXAMPLES) == 3 and TRANSCRIPT.exists()


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_show_of_an_example_round_trips(script: Path) -> None:
    s = fresh()
    list(run_lines(s, script.read_text().splitlines()))
    shown = s.show_all()
    assert replay(shown).show_all() == shown
    assert replay(s.show_all(full=True)).show_all(full=True) == s.show_all(full=True)
    # `show <path>` replays too, on a box that holds what the path refers to (the tables before it)
    before: list[str] = []
    for table in s.schema.tables:
        path = " ".join(table.path)
        part = s.execute(f"show {path}").output.splitlines()
        assert replay(before + part).execute(f"show {path}").output.splitlines() == part
        before += part


def test_azure_example_reproduces_the_real_show() -> None:
    """The Azure README's real `show` output, once its pool exists, prints back as published."""
    s = fresh()
    setup = "config load-balance pool\nedit pool\nend\nconfig system azure-lb-backend-ip\nedit FADHaLBBackendAddrPool\nset ip 10.2.0.7\nend"
    for line in setup.splitlines():
        assert not s.execute(line).failed
    script = (FIXTURES / "examples" / "fortinet-fortiadc-azure-ha_l7-vs.cli").read_text().splitlines()
    assert not [r for r in run_lines(s, script) if r.reply.failed]
    published = [l for l in script if l and not l.startswith("#")]
    start = published.index("config load-balance virtual-server")
    vs_block = published[start : published.index("end", start) + 1]
    assert s.execute("show load-balance virtual-server").output.splitlines() == vs_block
    assert s.execute("show system azure-lb-backend-ip").output.splitlines() == [
        "config system azure-lb-backend-ip", '  edit "FADHaLBBackendAddrPool"', "    set ip 10.2.0.5", "  next", "end"]  # the script ends with vm2's address


PROMPT = re.compile(r"^(FortiADC-VM(?: \([^)]*\))? # ?)(.*)$")


def test_transcript_prompts_and_messages() -> None:
    """Every prompt of the CLI744 transcripts, and every `Add new entry` line, come out the same."""
    s = fresh()
    lines = TRANSCRIPT.read_text().splitlines()
    checked = 0
    for i, line in enumerate(lines):
        m = PROMPT.match(line)
        if not m or not m.group(2).strip():
            continue
        prompt, command = m.group(1), m.group(2)
        assert s.prompt.rstrip() == prompt.rstrip(), (i + 1, line)
        reply = s.execute(command)
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if following.startswith("Add new entry"):
            assert reply.output.splitlines()[0] == following
        checked += 1
    assert checked > 60


def test_the_readme_quickstart_script_applies_cleanly() -> None:
    """``examples/quickstart.cli`` is what the README's script example feeds to ``adc``: every line works."""
    script = FIXTURES.parent / "examples" / "quickstart.cli"
    s = replay(script.read_text().splitlines())
    shown = "\n".join(s.show_all())
    assert 'edit "web"' in shown and "set load-balance-pool web-pool" in shown
    assert "examples/quickstart.cli" in (FIXTURES.parent / "README.md").read_text()
