"""The ``adc`` command: open the appliance in a data directory, then drive it from the terminal.

A terminal on stdin gets the interactive console; anything else (a pipe, a file) is run as a
script. Either way the appliance is closed on the way out, so its data directory is released.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from adc.version import version_line

from .applog import log_to as _log_to


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from adc.appliance import default_data_dir

    parser = argparse.ArgumentParser(
        prog="adc",
        description="A FortiADC 7.4 style appliance: an interactive CLI on a terminal, a script runner on a pipe.",
        epilog="adc lab COMMAND ...: training labs (adc lab --help; docs/labs.md).",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"where the configuration is kept (default: {default_data_dir()})",
    )
    parser.add_argument(
        "--files-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="the one folder `execute backup/restore config` and `execute certificate local "
        "import/import-pair/export` use, where the real box talks to a TFTP server; file names are "
        "relative to it (default: files/ in the data directory)",
    )
    parser.add_argument(
        "--no-serve",
        action="store_true",
        help="configure only: do not start the data plane (no listeners)",
    )
    parser.add_argument(
        "--no-ssh",
        action="store_true",
        help="do not start the SSH console (it listens where the configuration says: interfaces whose "
        "allowaccess holds ssh, on system global port-ssh)",
    )
    parser.add_argument("--version", action="version", version=f"adc {version_line()}")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    if words[:1] == ["lab"]:  # the training labs: docs/labs.md
        from .lab import main as lab_main

        return lab_main(words[1:])
    args = parse_args(argv)
    from adc.appliance import Appliance, default_data_dir
    from adc.errors import AdcError

    data_dir = args.data_dir if args.data_dir is not None else default_data_dir()
    try:
        app = Appliance(data_dir, serve=not args.no_serve)
    except (AdcError, OSError) as exc:
        lines = exc.lines() if isinstance(exc, AdcError) else [str(exc)]
        print(f"adc: {data_dir}: " + "\n".join(lines), file=sys.stderr)
        return 2
    if args.files_dir is not None:
        app.files_dir = args.files_dir.absolute()
    _log_to(app.base_dir / "adc.log")
    for note in app.startup_notes:
        print(note, file=sys.stderr)
    try:
        if sys.stdin.isatty():
            from .console import run_console

            ssh = None
            if not args.no_ssh:
                from .ssh_server import SshService

                ssh = SshService(app, app.base_dir)
                for note in ssh.start():
                    print(note, file=sys.stderr)
            try:
                return run_console(app)
            finally:
                if ssh is not None:
                    ssh.close()
        from .script_runner import run_script

        return run_script(app.session(), sys.stdin.buffer, sys.stdout.buffer, sys.stderr.buffer)
    except KeyboardInterrupt:
        return 130
    finally:
        app.close()
