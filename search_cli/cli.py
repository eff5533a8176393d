"""The `govarchive` command: a thin click layer over scraper/ and indexer/."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from scraper.layout import DataLayout


class GovarchiveError(click.ClickException):
    """Raised when a command cannot do what was asked; printed as one line, exit code 1."""


QUIET_LOGGERS = ("scrapy", "twisted", "py.warnings", "filelock", "whoosh")


def _quiet_libraries(record: logging.LogRecord) -> bool:
    """Keep libraries' INFO lines (settings, stats dumps) for -v; ours and warnings stay."""
    return record.levelno >= logging.WARNING or not record.name.startswith(QUIET_LOGGERS)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data"),
    show_default=True,
    envvar="GOVARCHIVE_DATA",
    help="Archive directory (warc/, items/, index/).",
)
@click.option("-v", "--verbose", is_flag=True, help="Debug logging on stderr.")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path, verbose: bool) -> None:
    """Archive and search Vietnamese government portals.

    Example: govarchive demo
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not verbose:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_quiet_libraries)
    ctx.obj = DataLayout(data_dir)


def _register() -> None:
    from search_cli import commands_archive, commands_crawl, commands_search

    for module in (commands_crawl, commands_search, commands_archive):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="govarchive")
