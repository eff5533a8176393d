"""`govarchive parse` without click: what the command does, and its start-up fast path.

`python -m search_cli parse FILE...` with no option runs `fast_parse` before click (and the
command table) are imported; anything else goes through the click command, which runs the
same `parse_sources`.
"""

from __future__ import annotations

import codecs
import errno
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from enum import IntEnum
from pathlib import Path
from typing import Any

__all__ = ["ExitCode", "configure_logging", "fast_parse", "parse_sources", "saved_pages"]

QUIET_LOGGERS = ("scrapy", "twisted", "py.warnings", "filelock", "whoosh")
DEFAULT_DATA = "data"
DATA_ENV = "GOVARCHIVE_DATA"
PROGRESS_SECONDS = 2.0
"""How often long work (`parse` of many pages, `reparse`) prints a progress line on stderr."""
_JSON = json.JSONEncoder(ensure_ascii=False)  # what `json.dumps(..., ensure_ascii=False)` builds

# Magic bytes of the files `parse` hands to attachment extraction instead of the page parsers.
DOCUMENT_MAGIC = (b"%PDF-", b"\xd0\xcf\x11\xe0", b"PK\x03\x04", b"{\\rtf", b"\x89PNG",
                  b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")  # fmt: skip


class ExitCode(IntEnum):
    """Exit codes that cron and systemd can act on."""

    OK = 0
    ERROR = 1
    BAD_INPUT = 2
    PARTIAL = 3  # some portals failed, the others were archived
    LOCKED = 75  # EX_TEMPFAIL: another update holds the lock; try later


def _quiet_libraries(record: logging.LogRecord) -> bool:
    """Keep libraries' INFO lines (settings, stats dumps) for -v; ours and warnings stay."""
    return record.levelno >= logging.WARNING or not record.name.startswith(QUIET_LOGGERS)


def configure_logging(verbose: bool) -> None:
    """Log on stderr: DEBUG with -v, else INFO without the libraries' INFO lines."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not verbose:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_quiet_libraries)


def _is_attachment(data: bytes) -> bool:
    """Whether the bytes are a document file (PDF, Word, scan) rather than a web page."""
    return data.startswith(DOCUMENT_MAGIC)


def _attachment_record(url: str, data: bytes) -> dict[str, Any]:
    """The extracted-text record of a PDF, DOCX, DOC or scanned image."""
    from scraper.attachments import extract_attachment

    result = extract_attachment(data, filename=url.rsplit("/", 1)[-1])
    return {"url": url, "kind": "attachment", "file_kind": result.kind, **result.to_dict()}


STDIN_URL = "file:///dev/stdin"
"""The address of a page read from standard input (`-`) that declares none of its own."""


def _read_input(source: str) -> tuple[str, bytes]:
    """Bytes of a saved file, of standard input (`-`), or of a page fetched from a URL."""
    from scraper.parsers.base import on_web  # loaded already: `parse_sources` imports the parsers

    if source == "-":
        return STDIN_URL, sys.stdin.buffer.read()
    if on_web(source):
        import urllib.request

        from scraper.settings import USER_AGENT

        request = urllib.request.Request(source, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=60) as response:
            scheme, rest = response.geturl().split(":", 1)
            return f"{scheme.lower()}:{rest}", response.read()
    with open(source, "rb") as file:
        data = file.read()
    return Path(os.path.abspath(source)).as_uri(), data


PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
"""The files a folder given to `parse` stands for: saved pages."""
ASSET_FOLDER_SUFFIX = "_files"
"""What a browser's "save complete page" names the folder of a page's images and scripts."""


def saved_pages(folder: str) -> list[str]:
    """Return the saved pages under `folder` in path order, without browsers' asset folders."""
    found: list[str] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.endswith(ASSET_FOLDER_SUFFIX)]
        found.extend(os.path.join(root, f) for f in files if f.lower().endswith(PAGE_SUFFIXES))
    return sorted(found)


def parse_sources(
    sources: Sequence[str],
    original_url: str | None,
    cms: str | None,
    echo: Callable[[str], None],
    echo_error: Callable[[str], None],
    progress_every: float = PROGRESS_SECONDS,
) -> int:
    """Print one JSON record per source with `echo`, one line per failure with `echo_error`.

    A folder stands for the saved pages under it (`saved_pages`). A batch that lasts prints
    a progress line with `echo_error` every `progress_every` seconds. Returns how many
    sources failed.
    """
    from scraper.parsers import ParseError, parse_page

    if original_url and len(sources) > 1:
        echo_error(f"Error: --url gives one page's address; {len(sources)} sources were given")
        return len(sources)
    failures = records = 0
    started = shown = time.monotonic()
    pending = list(reversed(sources))
    while pending:
        now = time.monotonic()
        if now - shown >= progress_every and records + failures:
            shown, done = now, records + failures
            rate = done / max(now - started, 1e-9)
            echo_error(f"parse: {done} done, {failures} failed, {rate:.0f} pages/s")
        source = pending.pop()
        try:
            url, data = _read_input(source)
            if _is_attachment(data):
                record = _attachment_record(original_url or url, data)
            else:
                record = parse_page(original_url or url, data, cms=cms)
        except IsADirectoryError:
            pages = saved_pages(source)
            if pages and not original_url:
                pending.extend(reversed(pages))
                continue
            failures += 1
            reason = (
                "--url gives one page's address; a folder holds several pages"
                if pages
                else f"no saved page ({', '.join(PAGE_SUFFIXES)}) in this folder"
            )
            echo_error(f"Error: {source}: {reason}")
            continue
        except (OSError, ValueError, ParseError) as exc:
            failures += 1
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            echo_error(f"Error: {source}: {reason}")
            continue
        echo(_JSON.encode(record))
        records += 1
    return failures


def _plain_call(argv: Sequence[str]) -> bool:
    """Whether `argv` is `parse FILE...` with no option, as click would read it here."""
    if len(argv) < 2 or argv[0] != "parse" or any(a.startswith("-") for a in argv[1:]):
        return False
    # click checks the --data directory (default or GOVARCHIVE_DATA) even for `parse`
    data = os.environ.get(DATA_ENV) or DEFAULT_DATA
    if os.path.exists(data) and (os.path.isfile(data) or not os.access(data, os.R_OK)):
        return False
    # click re-wraps a stdout whose encoding is ASCII
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        return codecs.lookup(encoding).name != "ascii"
    except LookupError:
        return False


def fast_parse(argv: Sequence[str]) -> bool:
    """Run `parse FILE...` without click when `argv` is that and nothing more; False if not.

    Exits as the click command would (status 2 if any source failed).
    """
    if not _plain_call(argv):
        return False
    configure_logging(verbose=False)
    out = sys.stdout

    def echo(line: str) -> None:
        out.write(line + "\n")

    def echo_error(line: str) -> None:
        import click  # an error line is printed exactly as the click command prints it

        out.flush()
        click.echo(line, err=True)

    try:
        failures = parse_sources(argv[1:], None, None, echo, echo_error)
        out.flush()
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        # as click does when the reader has gone: no traceback, no flush at exit
        sys.stdout = sys.stderr = open(os.devnull, "w")
        sys.exit(1)
    if failures:
        sys.exit(ExitCode.BAD_INPUT)
    return True


def run() -> None:
    """The `govarchive` command: `parse FILE...` without click, anything else through click."""
    if not fast_parse(sys.argv[1:]):
        from search_cli.cli import main

        main()
