"""The README's shell examples run as written.

The rule: every fenced ```sh block of README.md is preceded by a marker line, either
``<!-- readme: run -->`` (the block runs headless: this test runs it) or ``<!-- readme: manual, WHY -->``
(it needs a terminal, a second terminal or an hour; ``test_every_block_is_classified`` makes sure a new
block is one or the other). A ``run`` block is run by bash with ``set -eu -o pipefail`` in a temporary
copy of the examples, from that copy, with the installed ``adc`` first on the PATH, each absolute
``/tmp/`` path moved into the test's temporary directory. A line whose comment says ``exit N`` must exit
N (``adc lab check`` before the task is done); every other line must succeed. After a block, the
checks below look at what it made (the round trip of ``show``, the backup files, the lab report).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BIN = Path(sys.executable).parent
MARKER = re.compile(r"<!-- readme: (run|manual, [^>]+) -->\n```sh\n(.*?)```", re.S)
FENCE = re.compile(r"^```sh$", re.M)


def blocks() -> list[tuple[str, str]]:
    """(kind, text) of every marked sh block, in order."""
    return [(m.group(1).split(",")[0], m.group(2)) for m in MARKER.finditer(README)]


RUN = [text for kind, text in blocks() if kind == "run"]


def as_script(text: str, tmp: Path) -> str:
    """The block as a bash script: paths moved, ``# ... exit N`` lines checked for their exit status."""
    lines = ["set -eu -o pipefail"]
    for line in text.replace("/tmp/", f"{tmp}/").splitlines():
        want = re.search(r"#.*\bexit (\d+)\b", line)
        if want:
            lines += ["set +e", line, "rc=$?", "set -e",
                      f'[ "$rc" = {want.group(1)} ] || {{ echo "exit $rc, not {want.group(1)}: {line[:60]}" >&2; exit 99; }}']
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def run_block(text: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    work = tmp / "clone"
    if not work.exists():
        work.mkdir()
        shutil.copytree(ROOT / "examples", work / "examples")
        shutil.copytree(ROOT / "labs", work / "labs")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               ADC_LAB_NET=os.environ.get("ADC_TEST_NET", "210"), TMPDIR=str(tmp), ADC_DATA_DIR=str(tmp / "default"))
    proc = subprocess.run(["bash", "-c", as_script(text, tmp)], cwd=work, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"block failed ({proc.returncode}):\n{text}\nstdout:\n{proc.stdout[-2000:]}\nstderr:\n{proc.stderr[-2000:]}"
    return proc


def show(data: Path) -> str:
    return subprocess.run([str(BIN / "adc"), "--data-dir", str(data), "--no-serve"], input="show\n",
                          capture_output=True, text=True, timeout=30, check=True).stdout


def test_every_block_is_classified() -> None:
    assert len(FENCE.findall(README)) == len(blocks()), "an sh block of README.md has no readme: run/manual marker"
    assert len(RUN) >= 3


def block_with(needle: str) -> str:
    found = [text for text in RUN if needle in text]
    assert found, f"no runnable README block contains {needle!r}"
    return found[0]


def test_the_scripts_example_and_the_show_round_trip(tmp_path: Path) -> None:
    block = block_with("< examples/quickstart.cli")
    run_block(block, tmp_path)
    saved = (tmp_path / "clone" / "saved.cli").read_text()
    assert 'edit "web"' in saved and "set port 18080" in saved
    assert show(tmp_path / "fresh") == saved  # the replayed box shows what the first one did


def test_backup_and_restore_in_the_real_syntax(tmp_path: Path) -> None:
    run_block(block_with("< examples/quickstart.cli"), tmp_path)  # /tmp/box as the README builds it
    block = block_with("execute backup config")
    assert "execute restore config" in block and re.search(r"backup config (disk|tftp|ftp) ", block)
    proc = run_block(block, tmp_path)
    for backup in (tmp_path / "box" / "files" / "saved.conf", tmp_path / "clone" / "saved.conf"):
        assert backup.read_text().startswith("#config-version=")  # a real box's backup format
    assert "Configuration restored." in proc.stdout
    assert show(tmp_path / "fresh") == show(tmp_path / "box")


def test_the_lab_commands(tmp_path: Path) -> None:
    proc = run_block(block_with("adc lab list"), tmp_path)
    listed = [line.split()[0] for line in proc.stdout.splitlines() if re.match(r"^[a-z0-9-]+ \S", line)]
    assert "l7-round-robin" in listed and len(list((ROOT / "labs").glob("*.toml"))) <= len(listed)
    report = (tmp_path / "clone" / "report.xml").read_text()
    assert "<testsuite" in report and 'name="l7-round-robin"' in report
    assert '"lab": "l7-round-robin", "passed": false' in proc.stdout


@pytest.mark.parametrize("name", ["docs/labs.md", "docs/fidelity.md", "README.md"])
def test_files_the_docs_name_exist(name: str) -> None:
    """Every file of the repository a document names in backquotes exists (modules, examples, labs, tests)."""
    text = (ROOT / name).read_text()
    for path in set(re.findall(r"`((?:adc|cli|tests|tools|examples|labs|benchmarks|fixtures|docs)/[\w./-]*\.\w+)`", text)):
        candidates = [ROOT / path, ROOT / "adc" / path]
        assert any(c.exists() for c in candidates), f"{name} names {path}, which does not exist"


def test_a_question_takes_the_next_line_and_an_input_ending_before_it_fails(tmp_path: Path) -> None:
    """As the Scripts section says: `y` on the next line answers; no next line: nothing done, exit 1."""
    adc = [str(BIN / "adc"), "--data-dir", str(tmp_path / "d"), "--no-serve"]
    edit = "config system global\nset hostname box1\nend\n"
    assert subprocess.run(adc, input=edit, capture_output=True, text=True, timeout=30).returncode == 0
    proc = subprocess.run(adc, input="execute factoryreset\n", capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1 and "line 1: execute factoryreset" in proc.stderr and "without an answer" in proc.stderr
    assert "box1" in show(tmp_path / "d")
    proc = subprocess.run(adc, input="execute factoryreset\ny\n", capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and "box1" not in show(tmp_path / "d")
