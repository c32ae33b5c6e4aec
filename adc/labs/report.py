"""Results for people and for course platforms: a summary line per lab, JSON, JUnit XML.

JUnit XML is what CI servers and most course platforms import: one ``<testsuite>`` per lab, one
``<testcase>`` per check (``classname`` the lab id), a failing check carrying its feedback as the
``<failure>`` message.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Sequence

from .runner import Grade


def junit_xml(grades: Sequence[Grade], suite_name: str = "adc-labs") -> bytes:
    root = ET.Element("testsuites", name=suite_name, tests=str(sum(len(g.results) for g in grades)),
                      failures=str(sum(not r.passed for g in grades for r in g.results)))
    for grade in grades:
        suite = ET.SubElement(root, "testsuite", name=grade.lab, tests=str(len(grade.results)),
                              failures=str(sum(not r.passed for r in grade.results)), errors="0", skipped="0")
        for r in grade.results:
            case = ET.SubElement(suite, "testcase", classname=grade.lab, name=r.name)
            if not r.passed:
                failure = ET.SubElement(case, "failure", message=r.feedback, type=r.kind)
                failure.text = r.feedback
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_junit(path: Path, grades: Sequence[Grade]) -> None:
    path.write_bytes(junit_xml(grades))


def text_report(grade: Grade) -> str:
    """One line per check (PASS/FAIL, name, and the feedback of a failure), then the summary line."""
    lines = []
    for r in grade.results:
        lines.append(f"  {'PASS' if r.passed else 'FAIL'}  {r.name}")
        if not r.passed:
            lines.append(f"        {r.feedback}")
    lines.append(grade.summary())
    return "\n".join(lines) + "\n"
