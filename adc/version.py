"""The emulator's firmware identity, in one place so `get system status`, banners and backups agree.

The real box prints ``Version: FortiADC-VM v7.4.1,build0310,231030 (GA.F)``: product, ``v`` + version,
``build`` + four-digit build, the build date as YYMMDD, then the release tag. We keep that shape and put
``adc emulator`` in the tag so nobody mistakes the emulator for a real image.
"""
from __future__ import annotations

VERSION = "7.4.4"
BUILD = "0001"
PRODUCT = "FortiADC-VM"
BUILD_DATE = "261124"  # YYMMDD, like the real ``231030``
RELEASE_TAG = "adc emulator"  # the real box says ``GA.F``


def version_line() -> str:
    """``FortiADC-VM v7.4.4,build0001,261124 (adc emulator)`` (the value of the ``Version:`` line)."""
    return f"{PRODUCT} v{VERSION},build{BUILD},{BUILD_DATE} ({RELEASE_TAG})"
