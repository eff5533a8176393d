"""Listing and home pages: the article and document links a spider would follow."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import SplitResult, parse_qs, urldefrag, urljoin, urlsplit

import lxml.html
from lxml import etree

from scraper.parsers.base import (
    current_marks,
    join_url,
    needs,
    on_web,
    page_marks,
    select,
    without_redirect,
)
from scraper.parsers.text import text_of
from scraper.parsers.xpaths_kentico import KENTICO_MARKUP

__all__ = ["is_detail_url", "is_listing", "listing_links", "listing_record"]

# Detail pages by URL, across the CMS families we know (paths are matched lower-cased).
DETAIL_PATH_PATTERNS: tuple[re.Pattern[str], ...] = (
    # NukeViet news: /[vi/][<module>/]<category>/<alias>-<id>.html
    re.compile(r"^/(?:[a-z]{2}/)?(?:[^/]+/)?[^/]+/[^/]+-\d+\.html?$"),
    # NukeViet laws /<module>/detail/<alias>-<id>/, dispatch /<module>/detail/<alias>/
    re.compile(r"^/(?:[a-z]{2}/)?[^/]+/detail/[^/]+/?$"),
    # Liferay 6.2 /<page>/-/view_content/<id>-<slug>.html, Liferay 7 /web/guest/-/<id>-<id>
    re.compile(r"/-/view_content/\d+"),
    re.compile(r"/-/asset_publisher/[^/]+/content/"),
    re.compile(r"/-/[^/]*\d[^/]*/?$"),
    # baochinhphu / chinhphu.vn: /<slug>-115yyMMddHHmmssNNN.htm
    re.compile(r"-\d{12,}\.html?$"),
    # WordPress date permalinks /2024/06/18/<slug>/ (a day or month archive has no slug)
    re.compile(r"^/(?:[a-z]{2}/)?\d{4}/\d{2}/(?:\d{2}/)?[^/]*[a-z][^/]*/?$"),
)
# The same tests in two searches: the patterns anchored at the start (tried at the start
# only), then the others (the regex engine skips to the characters they can start with).
_DETAIL_PATH_START = re.compile(
    "^(?:" + "|".join(p.pattern[1:] for p in DETAIL_PATH_PATTERNS if p.pattern[0] == "^") + ")"
)
_DETAIL_PATH_ANYWHERE = re.compile(
    "|".join(f"(?:{p.pattern})" for p in DETAIL_PATH_PATTERNS if p.pattern[0] != "^")
)
# NukeViet without rewrite: index.php?nv=news&op=<category>/<alias>-<id>.html
DETAIL_OP = re.compile(r"^(?:[^/]+/)?[^/]+-\d+(?:\.html?)?$")
DETAIL_OP_MODULE = re.compile(r"^detail/[^/]+/?$")
ASPX_ID_PARAMS: frozenset[str] = frozenset({"itemid", "id", "newsid", "docid", "articleid"})
# Kentico's friendly URLs: /Tin-tuc/Kinh-te/<the article's alias, five words or more>.aspx
# (a section is /Tin-tuc/Kinh-te.aspx)
_ASPX_ARTICLE_ALIAS = re.compile(r"/[^/]+/[^/.]*(?:-[^/.-]+){4,}\.aspx$")
# ... and without the extension: /tin-tuc/xuc-tien-dau-tu/<the alias>, on a Kentico page only
# (elsewhere such a path is as often a section or a NukeViet link that lost its `.html`)
_KENTICO_ALIAS = re.compile(r"^/(?:[^/]+/)+[^/.]*[a-z][^/.]*(?:-[^/.-]+){4,}/?$")

EXCLUDED_PATH = re.compile(
    r"/(?:print|rss|feeds?|users?|login|logout|register|search|tag|tags|sitemap|savefile|"
    r"sendmail|download|uploads|assets|themes|data|files)(?:/|$|\.)"
)
EXCLUDED_EXTENSIONS = re.compile(
    r"\.(?:pdf|docx?|xlsx?|pptx?|zip|rar|7z|jpe?g|png|gif|bmp|svg|webp|mp[34]|avi|mov|"
    r"css|js|xml|json|txt|ico)$"
)
_DOWNLOAD_QUERY = re.compile(r"(?:^|&)download(?:=|&|$)", re.I)
EXCLUDED_OPS = re.compile(r"^(?:print|rss|search|tag|sendmail|savefile|download)(?:/|$)")
NUKEVIET_GENERATOR = (
    "//meta[@name='generator'][starts-with(translate(@content, 'NUKEVIT', 'nukevit'), 'nukeviet')]"
)
NUKEVIET_MARKUP = needs(
    "//*[@id='timeoutsess' or contains(@class, 'nv-')] | //script[contains(@src, 'nv_')]",
    ("id", "timeoutsess"),
    ("class", "nv-"),
    ("src", "nv_"),
)
HOME_PATHS = re.compile(r"^/(?:[a-z]{2}/?)?(?:index\.php)?$")
LISTING_PATH = re.compile(
    r"/page-\d+/?$|/(?:news|tin-tuc|laws|van-ban|dispatch|cong-van)/?$"
    r"|/page/\d+/?$|^/(?:[a-z]{2}/)?(?:category|tag|chuyen-muc)/"  # WordPress archives
)
ARCHIVE_BODY = needs(
    "/html/body[contains(concat(' ', normalize-space(@class), ' '), ' archive ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' blog ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' search-results ')]",
    ("class", "archive"),
    ("class", "blog"),
    ("class", "search-results"),
)
"""WordPress marks its archive, blog and search pages on `<body>`: lists of posts."""
MIN_LISTING_LINKS = 5
MAX_LISTING_TEXT_BLOCK = 1500


def _site(netloc: str) -> str:
    netloc = netloc.lower()
    return netloc[4:] if netloc.startswith("www.") else netloc


def is_detail_url(url: str) -> bool:
    """Return True if `url` looks like an article or document page of a family we know."""
    return _is_detail(urlsplit(url))


def _is_detail(parts: SplitResult) -> bool:
    path = parts.path.lower()
    if EXCLUDED_EXTENSIONS.search(path):
        return False
    if path.endswith(".aspx"):
        if "/pages/" not in path and _ASPX_ARTICLE_ALIAS.search(path):
            return True  # (SharePoint's /Pages/<name>.aspx are lists as often as articles)
        query = {k.lower(): v for k, v in parse_qs(parts.query).items()}
        return any(k in ASPX_ID_PARAMS and v and v[0].isdigit() for k, v in query.items())
    query = parse_qs(parts.query) if _may_name_op(parts.query) else {}
    if "nv" in query and "op" in query:
        op = query["op"][0]
        if EXCLUDED_OPS.match(op) or "download" in query:
            return False  # `&download=1&id=0`: the document's file, not its page
        return bool(DETAIL_OP.match(op) or DETAIL_OP_MODULE.match(op))
    if EXCLUDED_PATH.search(path):
        return False
    if "download" in parts.query.lower() and _DOWNLOAD_QUERY.search(parts.query):
        return False  # `detail/<alias>/?download=1&id=0`: the document's file, not its page
    return bool(_DETAIL_PATH_START.match(path) or _DETAIL_PATH_ANYWHERE.search(path))


def _serves_aliases(doc: lxml.html.HtmlElement) -> bool:
    """Whether `doc` is a Kentico page, whose articles may have extensionless addresses."""
    marks = page_marks(doc)
    return any(marks.matches(xpath) for xpath in KENTICO_MARKUP)


def _is_alias(parts: SplitResult) -> bool:
    """Whether `parts` is an article's extensionless friendly URL (`_KENTICO_ALIAS`)."""
    path = parts.path.lower()
    return not parts.query and bool(_KENTICO_ALIAS.match(path)) and not EXCLUDED_PATH.search(path)


def _may_name_op(query: str) -> bool:
    """Return False for a query string `parse_qs` cannot read as having both `nv` and `op`."""
    # a name is its text up to "=" (a field without one, or with a blank value, is dropped);
    # only a %-escape can spell a name differently
    return "%" in query or ("nv=" in query and "op=" in query)


def _base_url(doc: lxml.html.HtmlElement, url: str) -> str:
    base = select(doc, "//base/@href")
    return urljoin(url, str(base[0]).strip()) if base else url


def listing_links(doc: lxml.html.HtmlElement, url: str) -> list[str]:
    """Return the in-site article/document links of `doc`: absolute, in order, each once."""
    return _links(doc, url).first(None)


class _Links:
    """The listing links of one page, resolved only as far as they have been asked for."""

    def __init__(self, doc: lxml.html.HtmlElement, url: str) -> None:
        self.found: list[str] = []
        self._rest: Iterator[str] | None = _iter_listing_links(doc, url)

    def first(self, count: int | None) -> list[str]:
        """Return the first `count` links (all of them for None)."""
        while self._rest is not None and (count is None or len(self.found) < count):
            link = next(self._rest, None)
            if link is None:
                self._rest = None
            else:
                self.found.append(link)
        return self.found[:count]


def _links(doc: lxml.html.HtmlElement, url: str) -> _Links:
    """Return the `_Links` of `doc`, shared by `is_listing` and `listing_record` on one page."""
    marks = current_marks(doc)
    if marks is None:
        return _Links(doc, url)
    return marks.remember(("listing links", url), lambda: _Links(doc, url))  # type: ignore[no-any-return]


_HREFS = etree.XPath("//a/@href", smart_strings=False)


def _iter_listing_links(doc: lxml.html.HtmlElement, url: str) -> Iterator[str]:
    """Yield what `listing_links` returns, one at a time (`is_listing` needs only a few).

    A saved page with no web address (a `file:` URL, no `<base>`) has no site to compare
    with: its absolute links count whatever their host, and its root-relative links are
    given as the page wrote them.
    """
    base = _base_url(doc, url)
    origin = url if on_web(url) else base
    site = _site(urlsplit(origin).netloc) if on_web(origin) else None
    # path-relative links of a saved file joined to its address are files: not followed
    files_only = site is None and not base.lower().startswith(("http:", "https:"))
    links: set[str] = set()
    seen: set[str] = set()
    aliases = _serves_aliases(doc)
    for href in _HREFS(doc):
        href = href.strip()
        # menus repeat a link: the same href gives the same answer, and order is kept by `links`
        if not href or href.startswith("#") or href in seen:
            continue
        seen.add(href)
        if files_only and href[:1] != "/" and ":" not in href:
            continue  # with no scheme of its own, it would be a file too
        try:
            if site is None and href[:1] == "/" and href[1:2] != "/":
                # nothing to join it to: the path from the site root, as the page wrote it
                absolute = urldefrag(href).url
                parts = urlsplit(absolute)
            else:
                absolute = join_url(base, href)
                parts = _split_joined(base, href, absolute)
                if parts.scheme not in ("http", "https"):
                    continue
        except ValueError:
            continue
        if (site is not None and _site(parts.netloc) != site) or absolute == url:
            continue
        if "redirect" in parts.query.lower():
            absolute = without_redirect(absolute)
            parts = urlsplit(absolute)
        if absolute not in links and (_is_detail(parts) or (aliases and _is_alias(parts))):
            links.add(absolute)
            yield absolute


def _split_joined(base: str, href: str, absolute: str) -> SplitResult:
    """Return `urlsplit(absolute)`, where `absolute` is `href` joined to `base`.

    A root-relative link that came out as the base's scheme and host before it is split
    without parsing: the host is the base's, the path and query are the link's.
    """
    if href[:1] == "/" and href[1:2] != "/" and "#" not in href:
        parts = urlsplit(base)  # cached; joining did not raise, so neither does this
        if (
            parts.scheme in ("http", "https")
            and parts.netloc
            and absolute == f"{parts.scheme}://{parts.netloc}{href}"
        ):
            path, _, query = href.partition("?")
            return SplitResult(parts.scheme, parts.netloc, path, query, "")
    return urlsplit(absolute)


def _is_nukeviet(doc: lxml.html.HtmlElement) -> bool:
    return bool(select(doc, NUKEVIET_GENERATOR) or select(doc, NUKEVIET_MARKUP))


def _largest_text_block(doc: lxml.html.HtmlElement) -> int:
    """Return the most paragraph text under one parent: an article body has a lot."""
    sizes: dict[lxml.html.HtmlElement, int] = {}
    for p in doc.iter("p"):
        parent = p.getparent()
        if parent is not None:
            sizes[parent] = sizes.get(parent, 0) + len(text_of(p).strip())
    return max(sizes.values(), default=0)


def is_listing(doc: lxml.html.HtmlElement, url: str) -> bool:
    """Return True if `doc` is a home, category or listing page rather than one item.

    The address tells only for a page on the web: a saved file's name is not its path.
    """
    if on_web(url):
        if is_detail_url(url) or (_serves_aliases(doc) and _is_alias(urlsplit(url))):
            return False
        path = urlsplit(url).path.lower()
        home = HOME_PATHS.match(path) and not parse_qs(urlsplit(url).query).get("op")
        listing_path = home or LISTING_PATH.search(path)
    else:
        listing_path = False
    if listing_path or _is_nukeviet(doc) or select(doc, ARCHIVE_BODY):
        # a home or listing page by its address or CMS: one article link is enough
        return bool(_links(doc, url).first(1))
    # otherwise many links and no article-sized text; the text is cheaper to measure
    if _largest_text_block(doc) >= MAX_LISTING_TEXT_BLOCK:
        return False
    return len(_links(doc, url).first(MIN_LISTING_LINKS)) >= MIN_LISTING_LINKS


def listing_record(doc: lxml.html.HtmlElement, url: str) -> dict[str, Any]:
    """Return the listing item: `{"url", "kind": "listing", "links"}`."""
    return {"url": url, "kind": "listing", "links": listing_links(doc, url)}
