"""Commands that fetch and parse: `crawl`, `demo`, `parse`."""

from __future__ import annotations

import logging
import re
import shutil
import sys
import time
from typing import Any

import click

from scraper.layout import DataLayout
from search_cli.parsing import ExitCode, parse_sources

logger = logging.getLogger(__name__)

DEMO_QUERY = "tuyên truyền đại hội"
DEMO_PORTAL = "replica-trangbang"
DEMO_MARKER = ".govarchive-demo"


def _targets(layout: DataLayout, specs: tuple[str, ...]) -> list[Any]:
    """Turn command-line portal ids and URLs into crawl targets."""
    from scraper.crawl import CrawlTarget
    from scraper.portals import RegistryError, load_registry

    try:
        registry = load_registry(layout.portals)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    if not specs:
        if not registry:
            raise click.ClickException(
                f"nothing to crawl: give a portal URL or add portals to {layout.portals}"
            )
        specs = tuple(registry)
    targets = []
    for spec in specs:
        if spec in registry:
            p = registry[spec]
            targets.append(CrawlTarget(p.url, p.id, p.cms, p.allowed_domains, p.settings))
        elif spec.startswith(("http://", "https://")):
            from scraper.portals import portal_for_url

            targets.append(CrawlTarget(spec, portal_for_url(spec, registry)))
        else:
            known = ", ".join(sorted(registry)) or "none"
            raise click.ClickException(
                f"{spec!r} is neither a portal id of {layout.portals} (known: {known}) nor a URL"
            )
    return targets


@click.command()
@click.argument("portals", nargs=-1)
@click.pass_obj
def crawl(layout: DataLayout, portals: tuple[str, ...]) -> None:
    """Crawl portals (registry ids or start URLs): capture, parse, index.

    Example: govarchive crawl https://trangbang.tayninh.gov.vn/
    """
    from scraper.crawl import run_crawls
    from scraper.lock import ExclusiveLock, LockedError

    targets = _targets(layout, portals)
    try:
        with ExclusiveLock(layout.state / "update.lock"):
            summaries = run_crawls(layout, targets)
    except LockedError as exc:
        click.echo(f"Error: another crawl is running ({exc}); exiting", err=True)
        sys.exit(ExitCode.LOCKED)
    for summary in summaries:
        click.echo(summary.line(), err=True)
    if any(s.finish_reason not in ("finished", "closespider_pagecount") for s in summaries):
        sys.exit(ExitCode.PARTIAL)


@click.command()
@click.argument("portals", nargs=-1)
@click.option("--full", is_flag=True, help="Walk every listing to the end, not only new pages.")
@click.option("--since", metavar="YYYY-MM-DD", help="Only recheck pages modified since DATE.")
@click.pass_obj
def update(layout: DataLayout, portals: tuple[str, ...], full: bool, since: str | None) -> None:
    """Incremental crawl of every registry portal (or those named); safe to run from cron.

    New pages come from feeds, sitemaps and the first listing pages; changed pages are
    re-captured; unchanged ones cost a conditional request. Exit 0 when every portal finished,
    3 when some failed, 75 when another update is running.

    Example: govarchive update
    """
    from scraper.crawl import run_crawls
    from scraper.lock import ExclusiveLock, LockedError

    if since and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", since):
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--since")
    targets = _targets(layout, portals)
    try:
        with ExclusiveLock(layout.state / "update.lock"):
            summaries = run_crawls(
                layout, targets, incremental=not full, since=since, resumable=True
            )
    except LockedError as exc:
        click.echo(f"Error: another update is running ({exc}); exiting", err=True)
        sys.exit(ExitCode.LOCKED)
    for summary in summaries:
        click.echo(summary.line())
    if any(s.finish_reason != "finished" or (s.failed and not s.pages) for s in summaries):
        sys.exit(ExitCode.PARTIAL)


@click.command()
@click.option("--serve", is_flag=True, help="Only serve the offline portal until stopped.")
@click.option("--port", type=int, default=0, help="Port of the offline portal (0: a free one).")
@click.option("--query", default=DEMO_QUERY, show_default=True, help="Sample query to run.")
@click.pass_obj
def demo(layout: DataLayout, serve: bool, port: int, query: str) -> None:
    """Crawl the bundled offline portal into DATA/demo, index it and search it.

    Example: govarchive demo
    """
    from scraper.replica import ReplicaPortal

    with ReplicaPortal(port=port) as portal:
        if serve:
            click.echo(portal.url)
            sys.stdout.flush()
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return
        demo_layout = DataLayout(layout.root / "demo")
        if demo_layout.root.exists():
            if not (demo_layout.root / DEMO_MARKER).exists():
                raise click.ClickException(
                    f"{demo_layout.root} exists and is not a demo archive; move it away"
                )
            shutil.rmtree(demo_layout.root)
        demo_layout.ensure()
        (demo_layout.root / DEMO_MARKER).write_text("made by govarchive demo\n")
        click.echo(f"offline portal at {portal.url}; crawling into {demo_layout.root}", err=True)
        from scraper.crawl import CrawlTarget, run_crawls

        summaries = run_crawls(demo_layout, [CrawlTarget(portal.url, DEMO_PORTAL)])
    for summary in summaries:
        click.echo(summary.line(), err=True)
    from search_cli.commands_search import search_command

    click.echo(f"\nTop results for {query!r}:", err=True)
    ctx = click.get_current_context()
    ctx.obj = demo_layout
    ctx.invoke(search_command, query=query, limit=10)
    click.echo(
        f"\nSearch it yourself: govarchive --data {demo_layout.root} search 'dai hoi'", err=True
    )


@click.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--url", "original_url", help="Original URL of the saved page (one page only).")
@click.option("--cms", help="Force a parser family (nukeviet_news, liferay, generic, ...).")
def parse(sources: tuple[str, ...], original_url: str | None, cms: str | None) -> None:
    """Extract pages (saved files or URLs) and print one JSON record per line.

    A saved file without --url takes the address it carries (the browser's "saved from url"
    comment, else its canonical link or og:url); a saved listing with none gives its links
    as the page wrote them. A folder stands for the .html, .htm, .xhtml and .shtml files
    under it, in path order, leaving out the `*_files` folders where a browser saves a page's
    images and scripts. `-` reads one page from standard input.

    Example: govarchive parse saved/article.html --url https://example.gov.vn/tin-tuc/a-1.html
    """
    failures = parse_sources(
        sources,
        original_url,
        cms,
        click.echo,
        lambda line: click.echo(line, err=True),
    )
    if failures:
        sys.exit(ExitCode.BAD_INPUT)


COMMANDS: list[click.Command] = [crawl, update, demo, parse]
