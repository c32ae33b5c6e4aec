"""Training labs: every shipped lab proved through real traffic, the lab file format, the ``adc lab``
command line (a lab written here into a temporary folder, used with ``--labs``), grading while a lab
console holds the data directory, and the console's lab mode."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterator

import pytest

from adc.appliance import Appliance
from adc.labs.model import Lab, LabError, default_labs_dir, find_lab, load_labs, parse_lab
from adc.labs.runner import reset, validate
from adc.labs.state import choose_net, read_history

ROOT = Path(__file__).resolve().parent.parent
LABS = load_labs(default_labs_dir())
ADC = [sys.executable, "-c", "import sys; from cli.main import main; sys.exit(main())"]


@pytest.fixture(autouse=True)
def lab_net(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lab addresses in this run's own 127.<n>.x.x range."""
    monkeypatch.setenv("ADC_LAB_NET", os.environ.get("ADC_TEST_NET", "210"))


def test_the_course_has_at_least_twelve_labs() -> None:
    assert len(LABS) >= 12
    assert len({lab.id for lab in LABS}) == len(LABS)
    assert all(lab.solution for lab in LABS)
    assert {c.kind for lab in LABS for c in lab.checks} == {"config", "traffic", "command"}


@pytest.mark.parametrize("lab_id", [lab.id for lab in LABS])
def test_shipped_lab_is_valid(lab_id: str, tmp_path: Path) -> None:
    """Its initial state fails at least one check; its solution, applied on it, passes every check."""
    v = validate(find_lab(default_labs_dir(), lab_id), tmp_path / "data")
    assert v.problems == []
    assert not v.initial.passed and v.solved.passed
    assert all(r.feedback for r in v.initial.results if not r.passed)


LAB = '''
id = "my-first-lab"
title = "A trainer's own lab"
task = """Publish web1 ({net}.11:8081) at http://{net}.10:8080/ as the virtual server "vs"."""
hints = ["config load-balance virtual-server", "its pool is p"]
initial = """
config load-balance real-server
  edit "web1"
    set ip {net}.11
  next
end
config load-balance pool
  edit "p"
    config pool_member
      edit 1
        set real-server web1
        set pool_member_service_port 8081
      next
    end
  next
end
"""
solution = """
config load-balance virtual-server
  edit "vs"
    set type l7-load-balance
    set ip {net}.10
    set port 8080
    set load-balance-profile LB_PROF_HTTP
    set load-balance-pool p
  next
end
get system status
"""

[[backends]]
name = "web1"
address = "{net}.11"
port = 8081

[[checks]]
name = "vs exists"
kind = "config"
table = "load-balance virtual-server"
entry = "vs"
feedback = "There is no virtual server vs."

[[checks]]
name = "vs answers"
kind = "traffic"
url = "http://{net}.10:8080/"
backends = ["web1"]
feedback = "The virtual server does not answer."

[[checks]]
name = "the status was read"
kind = "command"
pattern = '^get system status$'
feedback = "You did not read the system status."
'''


@pytest.fixture
def lab_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "mylabs"
    folder.mkdir()
    (folder / "first.toml").write_text(LAB)
    return folder


def adc(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(ADC + list(args), cwd=ROOT, input=input, capture_output=True, text=True, timeout=60)


def adc_here(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``adc ARGS`` run in this process (the same entry point, without a Python start-up per call)."""
    from cli.main import main

    code = main(list(args))
    got = capsys.readouterr()
    return code, got.out, got.err


def test_a_lab_written_by_the_test_works_with_labs(lab_dir: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path / "d")
    labs = ("--labs", str(lab_dir))
    out = adc("lab", "list", *labs)  # the installed entry point, once
    assert (out.returncode, out.stdout) == (0, "my-first-lab A trainer's own lab\n")
    assert adc_here(capsys, "lab", "hint", "my-first-lab", "2", *labs) == (0, "Hint 2/2: its pool is p\n", "")
    assert adc_here(capsys, "lab", "hint", "my-first-lab", "3", *labs)[0] == 2
    assert adc_here(capsys, "lab", "reset", "my-first-lab", "--data-dir", data, *labs)[0] == 0
    junit = tmp_path / "report.xml"
    code, text, err = adc_here(capsys, "lab", "check", "my-first-lab", "--data-dir", data, "--json", "--junit", str(junit), *labs)
    assert code == 1, err
    doc = json.loads(text)
    assert list(doc) == ["lab", "passed", "score", "checks"]
    assert (doc["lab"], doc["passed"], doc["score"]) == ("my-first-lab", False, 0.0)
    assert [list(c) for c in doc["checks"]] == [["name", "kind", "passed", "feedback"]] * 3
    assert [(c["kind"], c["passed"]) for c in doc["checks"]] == [("config", False), ("traffic", False), ("command", False)]
    assert "nothing listens at 127." in doc["checks"][1]["feedback"]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("name") == "my-first-lab" and suite.get("failures") == "3"
    # the solution, as a script adc accepts on its standard input (in this directory's addresses)
    code, script, _ = adc_here(capsys, "lab", "solution", "my-first-lab", "--data-dir", data, *labs)
    net = json.loads((Path(data) / "lab" / "state.json").read_text())["net"]
    assert f"set ip {net}.10" in script and "{net}" not in script
    assert adc("--data-dir", data, "--no-serve", input=script).returncode == 0
    code, text, _ = adc_here(capsys, "lab", "check", "my-first-lab", "--data-dir", data, *labs)
    # the script ran outside the lab console: the command was not seen
    assert code == 1 and "FAIL  the status was read" in text
    assert text.endswith("lab my-first-lab: FAIL 2/3 checks passed\n")
    code, text, _ = adc_here(capsys, "lab", "validate", str(lab_dir / "first.toml"), "--junit", str(junit))
    assert code == 0 and "lab my-first-lab: valid" in text
    assert ET.parse(junit).getroot().get("failures") == "0"


def test_check_grades_while_a_lab_console_holds_the_directory(lab_dir: Path, tmp_path: Path) -> None:
    """``adc lab start`` (script mode here) holds D; ``adc lab check`` from outside reads the committed
    configuration without the lock and sends traffic to the console's listeners and backends."""
    data = str(tmp_path / "d")
    lab = find_lab(lab_dir, "my-first-lab")
    with subprocess.Popen(ADC + ["lab", "start", "my-first-lab", "--data-dir", data, "--labs", str(lab_dir)],
                          cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as console:
        try:
            _drive_console(console, lab, data, lab_dir)
        finally:
            if console.poll() is None:
                console.kill()


def _drive_console(console: subprocess.Popen[str], lab: Lab, data: str, lab_dir: Path) -> None:
    assert console.stdin is not None and console.stdout is not None and console.stderr is not None
    net = ""
    for _ in range(200):  # the task is printed once the lab is reset
        line = console.stdout.readline()
        assert line, console.stderr.read()
        found = re.match(r"Publish web1 \((127\.\d+\.\d+)\.11:8081\)", line)
        if found:
            net = found.group(1)
            break
    console.stdin.write(lab.with_net(net).solution + "lab check\n")
    console.stdin.flush()
    report = []
    for _ in range(200):
        line = console.stdout.readline()
        report.append(line)
        if line.startswith("lab my-first-lab:"):
            break
    assert report[-1] == "lab my-first-lab: PASS 3/3 checks passed\n", report
    out = adc("lab", "check", "my-first-lab", "--data-dir", data, "--json", "--labs", str(lab_dir))
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout)["score"] == 1.0
    assert adc("lab", "reset", "my-first-lab", "--data-dir", data, "--labs", str(lab_dir)).returncode == 2
    console.stdin.write("lab reset\nlab check\n")
    console.stdin.close()
    rest = console.stdout.read()
    assert "back to its initial configuration" in rest and "lab my-first-lab: FAIL 0/3 checks passed" in rest
    assert console.wait(30) == 0, console.stderr.read()


def test_lab_words_only_in_lab_mode(lab_dir: Path, tmp_path: Path) -> None:
    from cli.lab_console import LabSession

    lab = find_lab(lab_dir, "my-first-lab")
    placed = reset(lab, tmp_path / "d")
    app = Appliance(tmp_path / "d")
    try:
        plain, session = app.session(), LabSession(app, placed)
        assert "lab" not in plain.help("") and "lab " not in plain.help("")
        assert "lab      training lab" in session.help("")
        assert session.help("lab ").split()[::1][0] == "check"
        assert [c.word for c in session.complete("la")] == ["lab"]
        assert [c.word for c in session.complete("lab h")] == ["hint"]
        assert session.execute("lab hint").output == "Hint 1/2: config load-balance virtual-server\n"
        assert session.execute("lab hint").output == "Hint 2/2: its pool is p\n"
        assert session.execute("lab hint 3").failed
        assert plain.execute("lab check").failed  # outside lab mode it is no command at all
        session.execute("config load-balance virtual-server")
        assert "lab" not in session.help("")  # only at the top level
        assert session.execute("lab check").failed
        session.execute("end")
        session.execute("get system status")
        assert read_history(tmp_path / "d")[-1] == ("get system status", True)
        assert "Lab my-first-lab" in session.execute("lab task").output
    finally:
        app.close()


def test_lab_files_are_checked_and_mistakes_named(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="unknown field 'colour'"):
        parse_lab(LAB + 'colour = "red"\n')
    with pytest.raises(LabError, match=r"checks\[1\]: kind 'guess'"):
        parse_lab(LAB.replace('kind = "config"', 'kind = "guess"'))
    with pytest.raises(LabError, match="'backends' or 'any_of' names web9"):
        parse_lab(LAB.replace('backends = ["web1"]', 'backends = ["web9"]'))
    with pytest.raises(LabError, match="not valid TOML"):
        parse_lab("id = ")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.toml").write_text(LAB.replace('"vs"', '"vs2"', 1).replace("vs exists", "x"))
    (bad / "y.toml").write_text(LAB)
    with pytest.raises(LabError, match="is also the id of"):
        load_labs(bad)
    from cli.main import main

    assert main(["lab", "check", "nope", "--data-dir", str(tmp_path / "d"), "--labs", str(bad / "none")]) == 2


def test_each_data_directory_gets_its_own_address_block(lab_dir: Path, tmp_path: Path) -> None:
    lab = find_lab(lab_dir, "my-first-lab")
    nets = {reset(lab, tmp_path / f"d{i}").backends[0].address.rsplit(".", 1)[0] for i in range(3)}
    assert len(nets) == 3
    assert all(n.startswith(f"127.{os.environ.get('ADC_TEST_NET', '210')}.") for n in nets)
    again = reset(lab, tmp_path / "d0").backends[0].address.rsplit(".", 1)[0]
    assert again == choose_net(tmp_path / "d0") and again in nets


def test_reset_refuses_a_folder_that_is_not_a_data_directory(lab_dir: Path, tmp_path: Path) -> None:
    """A reset empties the directory: one holding other files (a home directory typed by mistake) is refused."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.txt").write_text("years of work")
    with pytest.raises(LabError, match="holds files but no adc data"):
        reset(find_lab(lab_dir, "my-first-lab"), home)
    assert (home / "thesis.txt").read_text() == "years of work"


def test_the_typed_question_mark_and_tab_show_lab_words_in_lab_mode(lab_dir: Path, tmp_path: Path) -> None:
    """At the console, ``?`` (no Enter) lists ``lab`` only in lab mode; Tab completes it; Enter runs it."""
    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output.vt100 import Vt100_Output

    from cli.console import Console
    from cli.lab_console import LabSession
    from tests.test_console import Screen

    placed = reset(find_lab(lab_dir, "my-first-lab"), tmp_path / "d")
    app = Appliance(tmp_path / "d")
    try:
        screens = []
        for session in (app.session(), LabSession(app, placed)):
            screen = Screen()
            with create_pipe_input() as inp:
                inp.send_text("?\x15la\tch\t\r")  # ?, Ctrl+U, then "la" Tab "ch" Tab Enter
                inp.close()
                Console(session, inp, Vt100_Output(screen, lambda: Size(rows=40, columns=100)), paging=False).run()
            screens.append(screen.text())
        plain, lab = screens
        assert "lab      training lab: check, hint, reset, task" in lab
        assert "training lab" not in plain and "Unknown action" in plain
        assert "lab my-first-lab: FAIL 0/3 checks passed" in lab
    finally:
        app.close()


def test_two_trainees_run_the_same_lab_at_once(lab_dir: Path, tmp_path: Path) -> None:
    """Two data directories, the same lab, both serving at the same time: no address or port clash,
    and each grade sees its own appliance."""
    from adc.labs.runner import apply_script, grade_running, running

    lab = find_lab(lab_dir, "my-first-lab")
    for name in ("alice", "bob"):
        reset(lab, tmp_path / name)
    with running(lab, tmp_path / "alice") as (a_lab, a_app, a_since), \
            running(lab, tmp_path / "bob") as (b_lab, b_app, b_since):
        assert a_app is not None and b_app is not None
        assert a_lab.backends[0].address != b_lab.backends[0].address
        assert apply_script(a_app, a_lab.solution, record_to=tmp_path / "alice") == []
        alice = grade_running(a_lab, tmp_path / "alice", a_app, a_since)
        bob = grade_running(b_lab, tmp_path / "bob", b_app, b_since)
    assert alice.passed
    assert [r.passed for r in bob.results] == [False, False, False]
