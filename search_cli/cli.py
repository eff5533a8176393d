"""The `govarchive` command: a thin click layer over scraper/ and indexer/."""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from scraper.layout import DataLayout
from search_cli.parsing import configure_logging


class GovarchiveError(click.ClickException):
    """Raised when a command cannot do what was asked; printed as one line, exit code 1."""


# Commands are imported when used, so `govarchive parse` does not pay for Whoosh or Scrapy.
COMMANDS: dict[str, str] = {
    "crawl": "search_cli.commands_crawl:crawl",
    "update": "search_cli.commands_crawl:update",
    "parse": "search_cli.commands_crawl:parse",
    "reparse": "search_cli.commands_archive:reparse",
    "index": "search_cli.commands_search:index_command",
    "search": "search_cli.commands_search:search_command",
    "export": "search_cli.commands_search:export_command",
    "stats": "search_cli.commands_archive:stats",
    "serve": "search_cli.commands_serve:serve_command",
    "demo": "search_cli.commands_crawl:demo",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Commands in the order users meet them."""
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """Import and return the command called `name`."""
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    configure_logging(verbose)
    ctx.obj = DataLayout(data_dir)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="govarchive")
