"""Entry point of `python -m scraper.replica [--port N]`."""

from __future__ import annotations

import sys

from scraper.replica.server import main

sys.exit(main())
