"""The `serve` command: the search page for researchers, read-only, on 127.0.0.1 by default."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path

import click

from scraper.layout import DataLayout

logger = logging.getLogger(__name__)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port (0: any free one).",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes sharing the socket; each computes one search at a time (one per CPU core).",
)
@click.option(
    "--cache-pages",
    default=256,
    show_default=True,
    type=click.IntRange(0, 100_000),
    help="Rendered search pages kept per process until the index changes (0: off).",
)
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, workers: int, cache_pages: int) -> None:
    """Serve the search page (search, facets, records, archived copies, CSV/JSON export).

    Read-only. Listens on 127.0.0.1 unless --host says otherwise.

    Example: govarchive serve --port 8080
    """
    from search_cli.web.app import SearchApp
    from search_cli.web.server import serve

    layout = ctx.obj if isinstance(ctx.obj, DataLayout) else DataLayout(Path("data"))
    if not _is_loopback(host):
        logger.warning("listening on %s: anyone who can reach it can read the archive", host)
    app = SearchApp(layout, cache_pages=cache_pages)

    def ready(url: str) -> None:
        click.echo(f"govarchive: serving {layout.root} on {url} (Ctrl-C to stop)", err=True)

    try:
        serve(app, host, port, workers=workers, ready=ready)
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from exc


COMMANDS: list[click.Command] = [serve_command]
