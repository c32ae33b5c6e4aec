"""``config system console``: how the CLI pages its output.

Not in the FortiADC 7.4.4 CLI Reference; FortiOS has it and automation written for Fortinet boxes
(netmiko's ``fortinet`` driver) reads ``get system console`` and sets ``output standard`` on connect,
so the appliance carries the FortiOS table. ``output more`` pauses long output at ``--More--``;
``standard`` prints it whole. Each console session reads it for every reply.
"""
from __future__ import annotations

from .model import Attr, Table, opts

CONSOLE = Table(
    name="console",
    path=("system", "console"),
    help="console",
    kind="single",
    node_id=1403,
    items=(
        Attr("output", "option", "console output mode", default="more",
             options=opts(("standard", "standard output"), ("more", "more page output"))),
    ),
)
