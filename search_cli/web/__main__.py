"""Run the search page without the CLI group: `python -m search_cli.web --data DIR --port N`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from scraper.layout import DataLayout
from search_cli.commands_serve import serve_command


def main(argv: list[str]) -> None:
    """Take `--data DIR` and hand the rest to the `serve` command."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    data = "data"
    if "--data" in argv:
        i = argv.index("--data")
        data = argv[i + 1]
        del argv[i : i + 2]
    serve_command.main(args=argv, obj=DataLayout(Path(data)), prog_name="govarchive serve")


if __name__ == "__main__":
    main(sys.argv[1:])
