"""``adc lab ...``: list, reset, start, check, solution, hint and validate training labs.

Exit codes: 0 success (``check``: every check passed; ``validate``: every lab proved), 1 a check or a
validation failed, 2 a usage error, a lab that does not exist or cannot be read, a data directory
that cannot be used.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from adc.errors import AdcError
from adc.labs.model import Lab, LabError, default_labs_dir, find_lab, load_lab, load_labs


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="adc lab", description="Training labs: graded exercises on the "
                                "configuration and on live traffic through the appliance.")
    p.add_argument("--labs", type=Path, default=None, metavar="DIR",
                   help=f"the folder of lab files (default: {default_labs_dir()})")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_labs(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--labs", type=Path, default=argparse.SUPPRESS, metavar="DIR",
                        help="the folder of lab files")
        return sp

    with_labs(sub.add_parser("list", help="one lab a line: its id, then its title"))
    for name, text in (("reset", "give DIR the lab's initial configuration (anything it held is gone)"),
                       ("start", "reset, start the lab's backends, print the task, open the console")):
        sp = with_labs(sub.add_parser(name, help=text))
        sp.add_argument("id")
        sp.add_argument("--data-dir", type=Path, required=True, metavar="D")
    sp = with_labs(sub.add_parser("check", help="grade the configuration in D and the traffic through it"))
    sp.add_argument("id")
    sp.add_argument("--data-dir", type=Path, required=True, metavar="D")
    sp.add_argument("--json", action="store_true", help="print the result as JSON")
    sp.add_argument("--junit", type=Path, metavar="FILE", help="also write a JUnit XML report")
    sp = with_labs(sub.add_parser("solution", help="the solution, as a script for adc --data-dir D"))
    sp.add_argument("id")
    sp.add_argument("--data-dir", type=Path, default=None, metavar="D",
                    help="the lab's data directory, whose addresses the script uses (default: adc's default)")
    sp = with_labs(sub.add_parser("hint", help="the lab's hints, or hint N"))
    sp.add_argument("id")
    sp.add_argument("n", nargs="?", type=int)
    sp = with_labs(sub.add_parser("validate", help="prove labs: the initial state fails a check, the "
                                  "solution passes every check (FILE or id; none: every lab)"))
    sp.add_argument("labs_to_prove", nargs="*", metavar="FILE|ID")
    sp.add_argument("--junit", type=Path, metavar="FILE", help="also write a JUnit XML report")
    sp.add_argument("--json", action="store_true", help="print the results as JSON")
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    folder = args.labs if args.labs is not None else default_labs_dir()
    try:
        return COMMANDS[args.command](args, folder)
    except (AdcError, OSError) as exc:
        print(f"adc lab: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _list(args: argparse.Namespace, folder: Path) -> int:
    for lab in load_labs(folder):
        print(f"{lab.id} {lab.title}")
    return 0


def _reset(args: argparse.Namespace, folder: Path) -> int:
    from adc.labs.runner import reset

    placed = reset(find_lab(folder, args.id), args.data_dir)
    print(f"{args.data_dir}: lab {placed.id} ({placed.title}) is at its initial configuration")
    return 0


def _check(args: argparse.Namespace, folder: Path) -> int:
    from adc.labs.report import text_report, write_junit
    from adc.labs.runner import check

    grade = check(find_lab(folder, args.id), args.data_dir)
    if args.json:
        print(json.dumps(grade.to_json()))
    else:
        print(text_report(grade), end="")
    if args.junit is not None:
        write_junit(args.junit, [grade])
    return 0 if grade.passed else 1


def _solution(args: argparse.Namespace, folder: Path) -> int:
    from adc.appliance import default_data_dir
    from adc.labs.state import peek_net

    lab = find_lab(folder, args.id)
    data_dir = args.data_dir if args.data_dir is not None else default_data_dir()
    net = peek_net(data_dir, lab.id)
    print(f"# lab {lab.id}: {lab.title} (addresses of {data_dir}: {net}.0/24)")
    print(lab.with_net(net).solution.strip("\n"))
    return 0


def _hint(args: argparse.Namespace, folder: Path) -> int:
    lab = find_lab(folder, args.id)
    if not lab.hints:
        print("This lab has no hints.")
        return 0
    if args.n is not None:
        if not 1 <= args.n <= len(lab.hints):
            raise LabError(f"lab {lab.id} has hints 1-{len(lab.hints)}")
        print(f"Hint {args.n}/{len(lab.hints)}: {lab.hints[args.n - 1]}")
        return 0
    for i, h in enumerate(lab.hints, start=1):
        print(f"Hint {i}/{len(lab.hints)}: {h}")
    return 0


def _start(args: argparse.Namespace, folder: Path) -> int:
    from adc.appliance import Appliance
    from adc.labs.backends import Backends
    from adc.labs.runner import reset

    from .lab_console import LabSession, task_text
    from .applog import log_to

    placed = reset(find_lab(folder, args.id), args.data_dir)
    print(task_text(placed))
    with Backends(placed.backends):
        app = Appliance(args.data_dir, serve=True)
        try:
            log_to(app.base_dir / "adc.log")
            for note in app.startup_notes:
                print(note, file=sys.stderr)
            session = LabSession(app, placed)
            if sys.stdin.isatty():
                from .console import Console

                return Console(session).run()
            from .script_runner import run_script

            return run_script(session, sys.stdin.buffer, sys.stdout.buffer, sys.stderr.buffer)
        finally:
            app.close()


def _prove(args: argparse.Namespace, folder: Path) -> int:
    from adc.labs.report import write_junit
    from adc.labs.runner import Grade, Validation, validate

    labs: list[Lab] = []
    for item in args.labs_to_prove or []:
        path = Path(item)
        labs.append(load_lab(path) if path.suffix == ".toml" or path.is_file() else find_lab(folder, item))
    if not args.labs_to_prove:
        labs = load_labs(folder)
    results = []
    bad = 0
    for lab in labs:
        with tempfile.TemporaryDirectory(prefix=f"adc-lab-{lab.id}-") as tmp:
            try:
                v = validate(lab, Path(tmp) / "data")
            except LabError as exc:  # its initial script fails, a backend cannot listen...
                v = Validation(lab.id, Grade(lab.id, []), Grade(lab.id, []), [str(exc)])
        results.append(v)
        bad += not v.ok
        if not args.json:
            print(f"lab {lab.id}: {'valid' if v.ok else 'NOT VALID'} (initial {v.initial.summary().split(': ', 1)[1]}; "
                  f"solution {v.solved.summary().split(': ', 1)[1]})")
            for problem in v.problems:
                print(f"  {problem}")
    if args.json:
        print(json.dumps([{"lab": v.lab, "valid": v.ok, "problems": v.problems, "initial": v.initial.to_json(),
                           "solution": v.solved.to_json()} for v in results]))
    if args.junit is not None:
        write_junit(args.junit, [v.as_grade() for v in results])
    return 1 if bad else 0


COMMANDS = {"list": _list, "reset": _reset, "start": _start, "check": _check, "solution": _solution,
            "hint": _hint, "validate": _prove}
