"""Crawler-trap defences: session ids out of URLs, endless calendars and paginations cut.

Two middlewares, both switched on in `scraper/settings.py`:

- `CrawlerTrapMiddleware` (spider middleware) rewrites every followed URL to its canonical form
  (session ids removed) and drops requests that look like traps: endless calendars, pagination
  that yields nothing new, runaway query permutations, repeated path segments, huge URLs.
- `PortalBoundaryMiddleware` (downloader middleware) keeps every request, redirects included,
  on the portal's origin: Scrapy's offsite check compares host names only, so another port of
  the same host (another site) would pass it.

Each dropped request counts in the stat `traps/dropped/<rule>`.
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

# Query parameters that carry a session, never content (compared case-insensitively).
SESSION_PARAMS = frozenset(
    {"phpsessid", "jsessionid", "sessionid", "session_id", "sessid", "cfid", "cftoken", "nvsession"}
)
# Short names that are session ids only when their value looks like a token.
TOKEN_PARAMS = frozenset({"sid", "s", "sess", "token"})
TOKEN_VALUE = re.compile(r"^[A-Za-z0-9_-]{16,}$")
PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid|sessionid)=[^/?#;]*", re.IGNORECASE)
# Query keys that say which page of a CMS is shown (`index.php?nv=news&op=...`), not a filter.
CONTENT_PARAMS = frozenset(
    {"nv", "op", "language", "lang", "id", "catid", "cat", "alias", "name", "itemid", "tabid"}
)
PAGE_PATH = re.compile(r"/page-(\d+)/?$")
PAGE_PARAMS = frozenset({"page", "trang", "p", "pg", "paged", "pagenumber", "pageindex"})
CALENDAR_PATH = re.compile(
    r"(?:^|/)([12]\d{3})[-/_.](0?[1-9]|1[0-2])(?:[-/_.](?:0?[1-9]|[12]\d|3[01]))?(?=/|$)"
)
CALENDAR_PARAMS = frozenset(
    {"year", "month", "day", "date", "week", "nam", "thang", "ngay", "tuan", "y", "m", "d", "ym"}
)
YEAR = re.compile(r"(?<!\d)([12]\d{3})(?!\d)")
DIGITS = re.compile(r"\d+")


def canonical_url(url: str, *, session_params: Iterable[str] = SESSION_PARAMS) -> str:
    """`url` without session ids (query or `;jsessionid=` path parameters) and fragment."""
    parts = urlsplit(url)
    names = {n.lower() for n in session_params}
    path = PATH_SESSION.sub("", parts.path)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [
            (k, v)
            for k, v in pairs
            if k.lower() not in names and not (k.lower() in TOKEN_PARAMS and TOKEN_VALUE.match(v))
        ]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    netloc = parts.netloc.lower()
    if (parts.scheme == "http" and netloc.endswith(":80")) or (
        parts.scheme == "https" and netloc.endswith(":443")
    ):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme.lower(), netloc, path, query, ""))


def page_number(url: str) -> tuple[str, int] | None:
    """`(family, n)` when `url` is page `n` of a paginated listing: `/page-N/` or `?page=N`."""
    parts = urlsplit(url)
    match = PAGE_PATH.search(parts.path)
    if match:
        family = parts.netloc + parts.path[: match.start()] + "/?" + parts.query
        return family, int(match.group(1))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    for key, value in pairs:
        if key.lower() in PAGE_PARAMS and value.isdigit():
            rest = urlencode(sorted((k, v) for k, v in pairs if k != key))
            return parts.netloc + parts.path + "?" + rest, int(value)
    return None


def calendar_family(url: str) -> tuple[str, list[int]] | None:
    """`(family, years)` when `url` walks a calendar (a year and month in its path or query)."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    dated_keys = sorted(k.lower() for k, v in pairs if k.lower() in CALENDAR_PARAMS and v.isdigit())
    in_path = list(CALENDAR_PATH.finditer(parts.path))
    if not in_path and len(dated_keys) < 1:
        return None
    if not in_path and not any(k in ("year", "nam", "y", "ym", "date") for k in dated_keys):
        if len(dated_keys) < 2:
            return None
    years = [int(m.group(1)) for m in in_path]
    years += [int(v[:4]) for k, v in pairs if k.lower() in CALENDAR_PARAMS and YEAR.match(v)]
    keys = ",".join(sorted({k.lower() for k, _ in pairs}))
    return parts.netloc + DIGITS.sub("#", parts.path) + "?" + keys, years


def query_family(url: str) -> tuple[str, str] | None:
    """`(family, variant)` for a URL whose query filters or sorts (content keys set aside)."""
    parts = urlsplit(url)
    if not parts.query:
        return None
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    filters = sorted(
        (k, v) for k, v in pairs if k.lower() not in CONTENT_PARAMS and k.lower() not in PAGE_PARAMS
    )
    if not filters:
        return None
    content = sorted((k, v) for k, v in pairs if k.lower() in CONTENT_PARAMS)
    return parts.netloc + parts.path + "?" + urlencode(content), urlencode(filters)


def repeated_segments(url: str) -> int:
    """How often the most repeated non-empty path segment occurs (`/a/b/a/b/a/` gives 3)."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    return max(Counter(segments).values(), default=0)


class CrawlerTrapMiddleware(BaseSpiderMiddleware):
    """Canonicalise followed URLs and drop the ones that lead into crawler traps.

    Settings: `TRAPS_ENABLED` (True), `TRAP_SESSION_PARAMS` (query names removed from URLs),
    `TRAP_MAX_PAGE` (10000), `TRAP_EMPTY_PAGES` (5: stop a pagination after this many pages in
    a row that link to nothing, or to what the page before linked to),
    `TRAP_MAX_CALENDAR_PAGES` (24 per calendar), `TRAP_MIN_YEAR` (1990) and `TRAP_MAX_YEAR`
    (next year), `TRAP_MAX_QUERY_VARIANTS` (50 filter/sort variants per path),
    `TRAP_MAX_SEGMENT_REPEATS` (2), `TRAP_MAX_URL_LENGTH` (500).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        if not settings.getbool("TRAPS_ENABLED", True):
            raise NotConfigured("TRAPS_ENABLED is off")
        self.session_params = frozenset(
            n.lower() for n in settings.getlist("TRAP_SESSION_PARAMS", sorted(SESSION_PARAMS))
        )
        self.max_page = settings.getint("TRAP_MAX_PAGE", 10000)
        self.empty_pages = settings.getint("TRAP_EMPTY_PAGES", 5)
        self.max_calendar = settings.getint("TRAP_MAX_CALENDAR_PAGES", 24)
        self.min_year = settings.getint("TRAP_MIN_YEAR", 1990)
        self.max_year = settings.getint("TRAP_MAX_YEAR", datetime.now(UTC).year + 1)
        self.max_variants = settings.getint("TRAP_MAX_QUERY_VARIANTS", 50)
        self.max_repeats = settings.getint("TRAP_MAX_SEGMENT_REPEATS", 2)
        self.max_length = settings.getint("TRAP_MAX_URL_LENGTH", 500)
        self.last_links: dict[str, int] = {}
        self.calendars: defaultdict[str, set[str]] = defaultdict(set)
        self.variants: defaultdict[str, set[str]] = defaultdict(set)
        self.empty_streak: Counter[str] = Counter()
        self.dead_families: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build from the crawler's settings."""
        return cls(crawler)

    # -- output filtering -----------------------------------------------------------------------

    def process_spider_output(
        self, response: Response | None, result: Iterable[Any], spider: Any = None
    ) -> Iterator[Any]:
        """Yield the spider's items and its requests that are not traps."""
        buffered: list[Any] = []
        for item in result:
            if isinstance(item, Request):
                buffered.append(item)
            else:
                yield item
        yield from self._filter(response, buffered)

    async def process_spider_output_async(
        self, response: Response | None, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        """Async variant of `process_spider_output`."""
        buffered: list[Any] = []
        async for item in result:
            if isinstance(item, Request):
                buffered.append(item)
            else:
                yield item
        for request in self._filter(response, buffered):
            yield request

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        """Start requests: canonical URL only."""
        return self._canonical(request)

    def _filter(self, response: Response | None, requests: list[Request]) -> Iterator[Request]:
        """Canonicalise, apply the trap rules, and cut paginations whose pages stopped changing.

        A page of a pagination is "empty" when it links to nothing but other pages of it, or to
        exactly what the previous page of the same pagination linked to (pages past the end
        that repeat the last one). Pages that only link to already known articles are not
        empty: the sitemap often knows the newest articles that the first listing pages show.
        """
        kept: list[Request] = []
        for request in requests:
            request = self._canonical(request)
            reason = self.trap_reason(request.url)
            if reason:
                self._drop(request, reason)
                continue
            kept.append(request)
        family = self._listing_family(response)
        if family is not None:
            links = frozenset(r.url for r in kept if page_number(r.url) is None)
            signature = hash(links)
            empty = not links or signature == self.last_links.get(family)
            self.last_links[family] = signature
            self.empty_streak[family] = self.empty_streak[family] + 1 if empty else 0
            if self.empty_streak[family] >= self.empty_pages:
                self.dead_families.add(family)
        for request in kept:
            paged = page_number(request.url)
            if paged is not None and paged[0] in self.dead_families:
                self._drop(request, "empty_pagination")
                continue
            yield request

    def _listing_family(self, response: Response | None) -> str | None:
        if response is None:
            return None
        paged = page_number(canonical_url(response.url, session_params=self.session_params))
        return paged[0] if paged else None

    def trap_reason(self, url: str) -> str | None:
        """Why `url` is a trap (a rule name), or None; remembers what it has allowed."""
        if len(url) > self.max_length:
            return "url_length"
        if repeated_segments(url) > self.max_repeats:
            return "repeated_segments"
        paged = page_number(url)
        if paged is not None and paged[1] > self.max_page:
            return "max_page"
        calendar = calendar_family(url)
        if calendar is not None:
            family, years = calendar
            if any(y < self.min_year or y > self.max_year for y in years):
                return "calendar_year"
            pages = self.calendars[family]
            if url not in pages:
                if len(pages) >= self.max_calendar:
                    return "calendar"
                pages.add(url)
        query = query_family(url)
        if query is not None:
            family, variant = query
            variants = self.variants[family]
            if variant not in variants:
                if len(variants) >= self.max_variants:
                    return "query_variants"
                variants.add(variant)
        return None

    def _canonical(self, request: Request) -> Request:
        url = canonical_url(request.url, session_params=self.session_params)
        if url == request.url:
            return request
        self._inc("traps/canonicalised")
        return request.replace(url=url)

    def _drop(self, request: Request, reason: str) -> None:
        self._inc(f"traps/dropped/{reason}")
        logger.debug("crawler trap (%s): %s not followed", reason, request.url)

    def _inc(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)


class PortalBoundaryMiddleware:
    """Refuse requests (redirects included) to another port of the portal's hosts; drop session ids.

    The portal's origins are the spider's `start_url` (and `PORTAL_ORIGINS`, a list of
    `host:port`). Another host is left to Scrapy's OffsiteMiddleware. A redirect to a URL with a
    session id is rewritten to the canonical URL (and so meets the duplicate filter again).
    """

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("TRAPS_ENABLED", True):
            raise NotConfigured("TRAPS_ENABLED is off")
        self.crawler = crawler
        self.extra = {o.lower() for o in crawler.settings.getlist("PORTAL_ORIGINS", [])}
        self.session_params = frozenset(
            n.lower()
            for n in crawler.settings.getlist("TRAP_SESSION_PARAMS", sorted(SESSION_PARAMS))
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build from the crawler's settings."""
        return cls(crawler)

    def origins(self) -> dict[str, set[int]]:
        """Allowed ports per portal host."""
        allowed: dict[str, set[int]] = defaultdict(set)
        start = getattr(self.crawler.spider, "start_url", None)
        for origin in self.extra | ({start} if start else set()):
            parts = urlsplit(origin if "//" in origin else "//" + origin)
            if parts.hostname:
                allowed[parts.hostname].add(_port(parts.scheme, parts.port))
        return allowed

    def process_request(self, request: Request) -> Request | None:
        """Canonicalise the URL; refuse another port of a portal host."""
        url = canonical_url(request.url, session_params=self.session_params)
        if url != request.url:
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("traps/canonicalised")
            return request.replace(url=url)
        parts = urlsplit(url)
        ports = self.origins().get(parts.hostname or "")
        if ports and _port(parts.scheme, parts.port) not in ports | _defaults(ports):
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("traps/dropped/other_origin")
            raise IgnoreRequest(f"not on the portal's origin: {url}")
        return None


def _port(scheme: str, port: int | None) -> int:
    return port if port is not None else (443 if scheme == "https" else 80)


def _defaults(ports: set[int]) -> set[int]:
    """http and https of a portal on default ports are the same portal."""
    return {80, 443} if ports & {80, 443} else set()
