"""Page parsers: `(url, html)` in, a govarchive record (or a listing's links) out."""

from __future__ import annotations

import logging
from typing import Any

from scraper.parsers.base import ParseError, declared_url, load_html, page_marks
from scraper.parsers.listing import is_listing, listing_record
from scraper.parsers.registry import FALLBACK, choose_parser, detects

__all__ = ["ParseError", "parse_page"]

logger = logging.getLogger(__name__)


def parse_page(
    url: str,
    html: str | bytes,
    *,
    cms: str | None = None,
    portal: str | None = None,
    encoding: str | None = None,
) -> dict[str, Any]:
    """Return the record for one page, or `{"url", "kind": "listing", "links"}` for a listing.

    `cms` forces a parser family (module name, `CMS_NAME` or "nukeviet"); `encoding` is the
    charset the server declared, used when the bytes are not valid UTF-8. A saved page given
    by a local address (`file:` URL) takes the address it carries (`declared_url`).
    """
    doc = load_html(html, encoding=encoding)
    page_marks(doc)  # selectors of this page may now skip scans that cannot match
    if url[:5].lower() == "file:":
        url = declared_url(doc) or url
    parser = choose_parser(doc, url, cms)
    fallback = parser is None or parser.__name__.endswith(f".{FALLBACK}")
    if not fallback and cms:
        # a forced parser still has to recognise the page as one of its detail pages
        fallback = not detects(parser, doc, url)
    if fallback and is_listing(doc, url):
        return listing_record(doc, url)
    if parser is None:
        raise ParseError("no parser recognises this page")
    try:
        record = parser.parse(doc, url)
    except ParseError:
        raise
    except Exception as exc:  # a parser bug must not stop a crawl; it is logged in full
        logger.exception("parser %s failed on %s", parser.__name__, url)
        raise ParseError(f"{parser.__name__} failed: {type(exc).__name__}: {exc}") from exc
    if not record.get("title") and not record.get("body") and not record.get("summary"):
        raise ParseError("no title and no text: not an article or document page")
    if portal:
        record["portal"] = portal
    return record
