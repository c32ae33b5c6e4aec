"""Every ``config`` table of the FortiADC 7.4.4 CLI Reference, as extracted by
``tools/extract_cli_reference.py`` into ``tables.json`` (issue 9, stage 1).

This is raw material, not the live schema: the hand-written tables in ``adc.schema`` stay what the
appliance uses. ``load()`` reads the extraction into frozen dataclasses, with the page of every table
and attribute (cite them as "CLI744 p. N") and the ``problems`` the tool could not read.
"""
from __future__ import annotations

from .load import RefAttr, RefDescription, Reference, RefProblem, RefTable, load, parse

__all__ = ["RefAttr", "RefDescription", "RefProblem", "RefTable", "Reference", "load", "parse"]
