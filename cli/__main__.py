"""``python -m cli``: the same as the ``adc`` command (the tests run it this way)."""
from __future__ import annotations

from .main import main

raise SystemExit(main())
