"""End to end: the installed ``adc`` command on the example scripts, and kill -9 in the middle of commits."""
from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "examples"
EXAMPLES = sorted(FIXTURES.glob("*.cli"))


def adc_command() -> list[str]:
    """The installed console script (``pip install -e .`` puts it beside the interpreter)."""
    exe = Path(sys.executable).with_name("adc")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("adc")
    assert found, "the adc command is not installed"
    return [found]


def adc(data_dir: Path, stdin: bytes, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    """Configuration only (``--no-serve``): the examples use documentation addresses no host has."""
    return subprocess.run(adc_command() + ["--data-dir", str(data_dir), "--no-serve"], input=stdin,
                          capture_output=True, timeout=timeout)


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_installed_adc_runs_an_example_and_its_show_replays(script: Path, tmp_path: Path) -> None:
    first = adc(tmp_path / "a", script.read_bytes())
    errors = first.stderr.decode()
    # each failing line is reported with its number, and then the status says so
    reported = [l for l in errors.splitlines() if l.startswith("line ")]
    assert (first.returncode == 1) == bool(reported)
    for line in reported:
        n = int(line.split(":")[0].split()[1])
        assert script.read_text().splitlines()[n - 1].strip() in line
    saved = adc(tmp_path / "a", b"show\n")
    assert saved.returncode == 0 and saved.stdout.startswith(b"config system global\n")
    replay = adc(tmp_path / "b", saved.stdout)
    assert replay.returncode == 0, replay.stderr.decode()
    assert adc(tmp_path / "b", b"show\n").stdout == saved.stdout
    full = adc(tmp_path / "a", b"show full-configuration\n").stdout
    assert adc(tmp_path / "c", full).returncode == 0
    assert adc(tmp_path / "c", b"show full-configuration\n").stdout == full


def _rs_block(i: int) -> bytes:
    return (f"config load-balance real-server\nedit rs{i}\nset ip 10.{i // 250}.{i % 250}.1\nend\n"
            f"get load-balance real-server rs{i}\n").encode()


def test_kill_9_leaves_the_old_or_the_new_config(tmp_path: Path) -> None:
    """Kill a headless appliance at random points while it commits; every restart sees a whole prefix."""
    rng = random.Random(20261124)
    data = tmp_path / "d"
    committed = 0  # real servers known to be committed (their `get` was answered)
    for _ in range(12):
        proc = subprocess.Popen(adc_command() + ["--data-dir", str(data), "--no-serve"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdin and proc.stdout
        target = rng.randint(1, 15)
        answered = committed
        for i in range(committed, committed + target):
            proc.stdin.write(_rs_block(i))
            proc.stdin.flush()
            for _ in range(50):  # "Add new entry ...", then the first line of `get`
                line = proc.stdout.readline()
                if line.startswith(b"status") or not line:
                    break
            assert line.startswith(b"status"), line  # `get` answered: the commit before it is durable
            answered = i + 1
        # one more commit on its way while the kill lands
        proc.stdin.write(_rs_block(answered))
        proc.stdin.flush()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdin.close()
        proc.stdout.close()
        assert proc.stderr is not None
        proc.stderr.close()
        listing = adc(data, b"get load-balance real-server\n").stdout.decode().split()
        names = [w for w in listing if w.startswith("rs")]
        assert names[:answered] == [f"rs{i}" for i in range(answered)]
        assert len(names) in (answered, answered + 1)  # the old config or the new one
        assert names == [f"rs{i}" for i in range(len(names))]
        committed = len(names)
        # the restored configuration is whole: show replays on a fresh box
        shown = adc(data, b"show\n").stdout
        fresh = tmp_path / f"fresh{committed}"
        assert adc(fresh, shown).returncode == 0
        shutil.rmtree(fresh)
    assert committed >= 12
