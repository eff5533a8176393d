"""HTTP side of the replica portal: routing, conditional GET, gzip, injected faults."""

from __future__ import annotations

import argparse
import gzip
import logging
import mimetypes
import re
import signal
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from scraper.replica.faults import FaultPlan
from scraper.replica.render import (
    LAWS_MODULE,
    LOCAL_TZ,
    NEWS_MODULE,
    PNG_PIXEL,
    Renderer,
    SiteState,
    check_article,
    minimal_pdf,
    parse_time,
)

logger = logging.getLogger(__name__)

HTML = "text/html; charset=UTF-8"
XML = "application/xml; charset=UTF-8"
RSS = "application/rss+xml; charset=UTF-8"
TEXT = "text/plain; charset=UTF-8"
GZIP_MIN_BYTES = 256
# Status 0 in a fault list drops the connection without any response.
DROP_CONNECTION = 0

_N = re.escape(NEWS_MODULE)
_L = re.escape(LAWS_MODULE)
ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("home", r"^/(?:index\.php)?$"),
        ("robots", r"^/robots\.txt$"),
        ("sitemap_index", r"^/sitemap\.xml$"),
        ("news_sitemap", r"^/sitemap-vi\.news\.xml$"),
        ("laws_sitemap", r"^/sitemap-vi\.laws\.xml$"),
        ("news_main", rf"^/{_N}/(?:page-(?P<page>\d+)/)?$"),
        ("rss", rf"^/{_N}/rss/(?:(?P<cat>[^/]+)/)?$"),
        ("search", rf"^/{_N}/search/?$"),
        ("tag", rf"^/{_N}/tag/(?P<tag>[^/]+)/(?:page-(?P<page>\d+)/)?$"),
        ("print", rf"^/{_N}/print/(?P<cat>[^/]+)/(?P<alias>[^/]*)-(?P<id>\d+)\.html$"),
        ("article", rf"^/{_N}/(?P<cat>[^/]+)/(?P<alias>[^/]*)-(?P<id>\d+)\.html$"),
        ("category", rf"^/{_N}/(?P<cat>[^/]+)/(?:page-(?P<page>\d+)/)?$"),
        ("laws_main", rf"^/{_L}/(?:page-(?P<page>\d+)/)?$"),
        ("law", rf"^/{_L}/detail/(?P<alias>[^/]*)-(?P<id>\d+)/$"),
        ("static", r"^/(?:uploads|assets|themes)/.+$"),
        ("simple", r"^/(?:contact/|siteterms/terms-and-conditions\.html|users/login/)$"),
    )
)
# Paths that NukeViet answers with a redirect to the same path plus a slash.
SLASHLESS = re.compile(
    rf"^/(?:{_N}|{_L}|{_N}/[^/.]+|{_N}/tag/[^/]+|{_N}/rss|{_L}/detail/[^/]+|"
    rf"{_N}/[^/]+/page-\d+|{_L}/page-\d+)$"
)


@dataclass
class Response:
    """One HTTP answer of the replica before compression."""

    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    compressible: bool = True


def load_default_content() -> Any:
    """The portal content of `scraper.replica.content.load_site()`."""
    try:
        from scraper.replica import content as content_module
    except ImportError as exc:
        raise RuntimeError(
            "scraper.replica.content is not available; pass content= to ReplicaPortal"
        ) from exc
    if hasattr(content_module, "load_site"):
        return content_module.load_site()
    return {
        "name": getattr(content_module, "SITE_NAME", ""),
        "categories": content_module.load_categories(),
        "articles": content_module.load_articles(),
        "laws": content_module.load_laws(),
    }


def http_date(dt: datetime) -> str:
    """RFC 7231 date in GMT."""
    return format_datetime(dt.astimezone(UTC), usegmt=True)


class ReplicaPortal:
    """An offline NukeViet 4.4 eGovernment town portal served on 127.0.0.1 (see the package doc)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        content: Any = None,
        faults: Mapping[str, int | Iterable[int]] | FaultPlan | None = None,
    ) -> None:
        self.host = host
        # A FaultPlan (scraper.replica.faults) answers the requests it covers itself.
        self.fault_plan: FaultPlan | None = faults if isinstance(faults, FaultPlan) else None
        if self.fault_plan is not None:
            faults = None
        self.port = port
        self._lock = threading.Lock()
        self._state = SiteState.from_content(load_default_content() if content is None else content)
        self._faults: dict[str, int | list[int]] = {}
        for path, statuses in (faults or {}).items():
            self.set_fault(path, statuses)
        self.renderer = Renderer()
        self.requests: list[tuple[str, str, int]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL while serving, e.g. `http://127.0.0.1:41234` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("ReplicaPortal is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ReplicaPortal:
        """Serve in a background thread; returns self."""
        if self._server is not None:
            return self
        handler = type("ReplicaHandler", (_Handler,), {"portal": self})
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="replica-portal",
            daemon=True,
        )
        self._thread.start()
        logger.info("replica portal serving at %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is None:
            return
        if self.fault_plan is not None:
            self.fault_plan.stop()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> ReplicaPortal:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- content ---------------------------------------------------------------------------

    @property
    def state(self) -> SiteState:
        """The current content snapshot (immutable; mutators replace it)."""
        return self._state

    def _absolute(self, path: str) -> str:
        """`path` prefixed with the base URL while serving."""
        return self.url + path if self._server is not None else path

    def article_url(self, article_id: int) -> str:
        """URL of an article (absolute while serving)."""
        return self._absolute(self._state.article_views[int(article_id)]["url"])

    def law_url(self, law_id: int) -> str:
        """URL of a legal document (absolute while serving)."""
        return self._absolute(self._state.law_views[int(law_id)]["url"])

    def add_article(self, article: Mapping[str, Any]) -> str:
        """Publish a new article; returns its URL."""
        check_article(article)
        new = dict(article)
        new.setdefault("edited", new["published"])
        with self._lock:
            state = self._state
            if int(new["id"]) in state.articles:
                raise ValueError(f"article {new['id']} exists")
            if new["category"] not in state.cat_by_alias:
                raise ValueError(f"unknown category {new['category']!r}")
            self._state = state.replace(articles=[*state.articles.values(), new])
        return self.article_url(new["id"])

    def edit_article(self, article_id: int, **changes: Any) -> str:
        """Change fields of an article; `edited` moves to now unless given. Returns its URL."""
        with self._lock:
            state = self._state
            old = state.articles[int(article_id)]
            if "id" in changes and int(changes["id"]) != int(article_id):
                raise ValueError("the id of an article cannot change")
            new = {**old, **changes}
            if "edited" not in changes:
                previous = parse_time(old.get("edited") or old["published"])
                now = datetime.now(LOCAL_TZ).replace(microsecond=0)
                new["edited"] = max(now, previous + timedelta(seconds=1)).isoformat()
            if new["category"] not in state.cat_by_alias:
                raise ValueError(f"unknown category {new['category']!r}")
            articles = [
                new if int(a["id"]) == int(article_id) else a for a in state.articles.values()
            ]
            self._state = state.replace(articles=articles)
        return self.article_url(article_id)

    def delete_article(self, article_id: int) -> None:
        """Remove an article: its page, print view and attachments answer 404 afterwards."""
        with self._lock:
            state = self._state
            if int(article_id) not in state.articles:
                raise KeyError(article_id)
            articles = [a for a in state.articles.values() if int(a["id"]) != int(article_id)]
            self._state = state.replace(articles=articles)

    def set_fault(self, path: str, statuses: int | Iterable[int]) -> None:
        """Answer `path` with `statuses`: an int always, a list once each in order (0 drops the connection)."""
        with self._lock:
            self._faults[path] = statuses if isinstance(statuses, int) else list(statuses)

    def _take_fault(self, target: str, path: str) -> int | None:
        """The injected status for this request, if any."""
        with self._lock:
            for key in (target, path):
                fault = self._faults.get(key)
                if fault is None:
                    continue
                if isinstance(fault, int):
                    return fault
                if fault:
                    return fault.pop(0)
        return None

    # -- requests --------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], base_url: str
    ) -> Response:
        """Answer one request (without compression); pure apart from faults and the state read."""
        parts = urlsplit(target)
        path = unquote(parts.path) or "/"
        fault = self._take_fault(target, path)
        if fault is not None:
            return _fault_response(fault)
        state = self._state
        for name, pattern in ROUTES:
            match = pattern.match(path)
            if match:
                response = getattr(self, f"_route_{name}")(state, base_url, match, parts.query)
                if response is not None:
                    return _conditional(response, headers)
                break
        if SLASHLESS.match(path):
            return _redirect(path + "/" + (f"?{parts.query}" if parts.query else ""))
        return self._not_found(state, base_url)

    def _not_found(self, state: SiteState, base_url: str) -> Response:
        return Response(404, self.renderer.not_found(state, base_url).encode("utf-8"))

    def _page_number(self, match: re.Match[str]) -> int | None:
        """Page number from the URL; None for `page-1`/`page-0` (NukeViet redirects those)."""
        raw = match.groupdict().get("page")
        if raw is None:
            return 1
        number = int(raw)
        return number if number > 1 else None

    def _route_home(
        self, state: SiteState, base_url: str, match: re.Match[str], query: str
    ) -> Response:
        return Response(200, self.renderer.home(state, base_url).encode("utf-8"))

    def _route_robots(
        self, state: SiteState, base_url: str, match: re.Match[str], query: str
    ) -> Response:
        return Response(200, self.renderer.robots(base_url).encode("utf-8"), TEXT)

    def _route_sitemap_index(
        self, state: SiteState, base_url: str, match: re.Match[str], query: str
    ) -> Response:
        return Response(200, self.renderer.sitemap_index(state, base_url).encode("utf-8"), XML)

    def _route_news_sitemap(
        self, state: SiteState, base_url: str, match: re.Match[str], query: str
    ) -> Response:
        return Response(200, self.renderer.news_sitemap(state, base_url).encode("utf-8"), XML)

    def _route_laws_sitemap(
        self, state: SiteState, base_url: str, match: re.Match[str], query: str
    ) -> Response:
        return Response(200, self.renderer.laws_sitemap(state, base_url).encode("utf-8"), XML)

    def _listing(
        self,
        state: SiteState,
        base_url: str,
        match: re.Match[str],
        *,
        heading: str,
        base: str,
        items: list[dict[str, Any]],
        breadcrumbs: list[tuple[str, str]],
    ) -> Response:
        page = self._page_number(match)
        if page is None:
            return _redirect(base)
        html = self.renderer.news_listing(
            state,
            base_url,
            heading=heading,
            base=base,
            items=items,
            page=page,
            breadcrumbs=breadcrumbs,
        )
        if html is None:
            return self._not_found(state, base_url)
        return Response(200, html.encode("utf-8"))

    def _route_news_main(
        self, state: SiteState, base_url: str, match: re.Match[str], query: str
    ) -> Response:
        base = f"/{NEWS_MODULE}/"
        return self._listing(
            state,
            base_url,
            match,
            heading="Tin tức",
            base=base,
            items=state.news,
            breadcrumbs=[("Tin tức", base)],
        )

    def _route_category(
        self, state: SiteState, base_url: str, match: re.Match[str], query: str
    ) -> Response | None:
        cat = state.cat_by_alias.get(match["cat"])
        if cat is None:
            return None
        base = f"/{NEWS_MODULE}/{cat['alias']}/"
        return self._listing(
            state,
            base_url,
            match,
            heading=cat["title"],
            base=base,
            items=state.news_by_cat[cat["alias"]],
            breadcrumbs=[("Tin tức", f"/{NEWS_MODULE}/"), (cat["title"], base)],
        )

    def _route_tag(
        self, state: SiteState, base_url: str, match: re.Match[str], query: str
    ) -> Response | None:
        alias = match["tag"]
        if alias not in state.news_by_tag:
            return None
        base = f"/{NEWS_MODULE}/tag/{alias}/"
        return self._listing(
            state,
            base_url,
            match,
            heading=state.tag_titles[alias],
            base=base,
            items=state.news_by_tag[alias],
            breadcrumbs=[("Tin tức", f"/{NEWS_MODULE}/"), (state.tag_titles[alias], base)],
        )

    def _find_article(
        self, state: SiteState, match: re.Match[str], prefix: str
    ) -> Response | dict[str, Any] | None:
        """The article view of a detail/print URL, a redirect to its canonical URL, or None."""
        view = state.article_views.get(int(match["id"]))
        if view is None:
            return None
        if match["cat"] != view["category"]["alias"] or match["alias"] != view["alias"]:
            canonical = view["url"] if prefix == "" else view["print_url"]
            return _redirect(canonical, 301)
        return view

    def _route_article(
        self, state: SiteState, base_url: str, match: re.Match[str], query: str
    ) -> Response | None:
        found = self._find_article(state, match, "")
        if not isinstance(found, dict):
            return found
        html = self.renderer.article(state, base_url, found)
        return _with_validators(Response(200, html.encode("utf-8")), found["etag"], found["edited"])

    def _route_print(
        self, state: SiteState, base_url: str, match: re.Match[str], query: str
    ) -> Response | None:
        found = self._find_article(state, match, "print")
        if not isinstance(found, dict):
            return found
        html = self.renderer.article_print(state, base_url, found)
        return _with_validators(
            Response(200, html.encode("utf-8")), "p" + found["etag"], found["edited"]
        )

    def _route_rss(
        self, state: SiteState, base_url: str, match: re.Match[str], query: str
    ) -> Response | None:
        cat = None
        if match["cat"]:
            cat = state.cat_by_alias.get(match["cat"])
            if cat is None:
                return None
        return Response(200, self.renderer.rss(state, base_url, cat).encode("utf-8"), RSS)

    def _route_search(
        self, state: SiteState, base_url: str, match: re.Match[str], query: str
    ) -> Response:
        q = (parse_qs(query).get("q") or [""])[0]
        return Response(200, self.renderer.search(state, base_url, q).encode("utf-8"))

    def _route_laws_main(
        self, state: SiteState, base_url: str, match: re.Match[str], query: str
    ) -> Response:
        page = self._page_number(match)
        if page is None:
            return _redirect(f"/{LAWS_MODULE}/")
        html = self.renderer.laws_listing(state, base_url, page)
        if html is None:
            return self._not_found(state, base_url)
        return Response(200, html.encode("utf-8"))

    def _route_law(
        self, state: SiteState, base_url: str, match: re.Match[str], query: str
    ) -> Response | None:
        view = state.law_views.get(int(match["id"]))
        if view is None:
            return None
        if match["alias"] != view["raw"]["alias"]:
            return _redirect(view["url"], 301)
        html = self.renderer.law(state, base_url, view)
        return _with_validators(Response(200, html.encode("utf-8")), view["etag"], view["modified"])

    def _route_simple(
        self, state: SiteState, base_url: str, match: re.Match[str], query: str
    ) -> Response | None:
        html = self.renderer.simple(state, base_url, match.group(0))
        return None if html is None else Response(200, html.encode("utf-8"))

    def _route_static(
        self, state: SiteState, base_url: str, match: re.Match[str], query: str
    ) -> Response | None:
        path = match.group(0)
        attachment = state.files.get(path)
        if attachment is not None:
            data = attachment.get("data")
            if callable(data):
                data = data()
            ctype = mimetypes.guess_type(path)[0] or "application/octet-stream"
            if data is None:
                data = (
                    minimal_pdf(attachment["title"])
                    if path.lower().endswith(".pdf")
                    else (f"{attachment['title']}\n".encode())
                )
            response = Response(200, bytes(data), ctype, compressible=False)
            response.headers["Content-Disposition"] = (
                f'inline; filename="{attachment["file"].rsplit("/", 1)[-1]}"'
            )
            return response
        lower = path.lower()
        if lower.startswith("/uploads/" + NEWS_MODULE + "/") or lower.startswith(
            "/uploads/" + LAWS_MODULE + "/"
        ):
            if not lower.endswith((".png", ".jpg", ".jpeg", ".gif")):
                return None
        if lower.endswith((".png", ".jpg", ".jpeg", ".gif", ".ico")):
            return Response(200, PNG_PIXEL, "image/png", compressible=False)
        if lower.endswith(".css"):
            return Response(200, b"/* replica */\n", "text/css")
        if lower.endswith(".js"):
            return Response(200, b"/* replica */\n", "application/javascript")
        return None


def _redirect(location: str, status: int = 301) -> Response:
    """A redirect as NukeViet's nv_redirect_location sends it."""
    return Response(status, b"", HTML, {"Location": location})


def _fault_response(status: int) -> Response:
    """The answer to an injected fault."""
    body = f"<html><body><h1>{status}</h1></body></html>".encode()
    response = Response(status, body)
    if status == 503:
        response.headers["Retry-After"] = "1"
    return response


def _with_validators(response: Response, etag: str, modified: datetime) -> Response:
    """Attach ETag and Last-Modified (they describe the item, not the page chrome)."""
    response.headers["ETag"] = f'"{etag}"'
    response.headers["Last-Modified"] = http_date(modified)
    return response


def _conditional(response: Response, headers: Mapping[str, str]) -> Response:
    """Turn a 200 into 304 when the client's validators still match."""
    etag = response.headers.get("ETag")
    modified = response.headers.get("Last-Modified")
    if response.status != 200 or not (etag or modified):
        return response
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        if "*" in tags or (etag and etag in tags):
            return Response(304, b"", response.content_type, dict(response.headers), False)
        return response
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since and modified:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return response
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        if parsedate_to_datetime(modified) <= since:
            return Response(304, b"", response.content_type, dict(response.headers), False)
    return response


class _Handler(BaseHTTPRequestHandler):
    """Request handler bound to one ReplicaPortal (set as a class attribute)."""

    portal: ReplicaPortal
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""
    timeout = 10

    def handle(self) -> None:
        try:
            super().handle()
        except ConnectionError:  # the client reset or gave up (timeouts, injected faults)
            self.close_connection = True

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, *, head: bool) -> None:
        plan = self.portal.fault_plan
        if plan is not None and plan.serve(self, self.portal):
            return
        host = self.headers.get("Host")
        base_url = f"http://{host}" if host else self.portal.url
        try:
            response = self.portal.handle(self.command, self.path, self.headers, base_url)
        except Exception:
            logger.exception("replica failed on %s", self.path)
            response = Response(500, b"<html><body><h1>500</h1></body></html>")
        self.portal.requests.append((self.command, self.path, response.status))
        if response.status == DROP_CONNECTION:
            self.close_connection = True
            return
        body = response.body
        accept = self.headers.get("Accept-Encoding", "")
        headers = dict(response.headers)
        if response.compressible and response.status != 304:
            headers["Vary"] = "Accept-Encoding"
            if "gzip" in accept.lower() and len(body) >= GZIP_MIN_BYTES:
                body = gzip.compress(body, compresslevel=5, mtime=0)
                headers["Content-Encoding"] = "gzip"
        self.send_response(response.status)
        if response.status != 304:
            self.send_header("Content-Type", response.content_type)
        if response.content_type == HTML and response.status != 304:
            self.send_header("X-Powered-By", "PHP/7.4.33")
        for name, value in headers.items():
            self.send_header(name, value)
        if response.status == 304:
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


def main(argv: list[str] | None = None) -> int:
    """`python -m scraper.replica [--host H] [--port N]`: print the URL, serve until killed."""
    parser = argparse.ArgumentParser(prog="python -m scraper.replica", description=main.__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    portal = ReplicaPortal(host=args.host, port=args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    portal.start()
    sys.stdout.write(portal.url + "\n")
    sys.stdout.flush()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        portal.stop()
    return 0
