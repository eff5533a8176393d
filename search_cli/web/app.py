"""The search page as a WSGI application: search, facets, records, replay, CSV/JSON export."""

from __future__ import annotations

import html
import io
import json
import logging
import queue
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

from jinja2 import Environment, FileSystemLoader, Undefined, select_autoescape
from markupsafe import Markup, escape

from indexer.errors import NoIndexError, QueryError
from indexer.export import iter_hits, write_csv, write_jsonl
from indexer.index import SearcherPool, index_exists, index_generation, open_searcher
from indexer.query import parse_query
from indexer.search import Hit, SearchResults, load_record, search
from scraper.layout import DataLayout
from search_cli.web.cache import PageCache
from search_cli.web.params import MAX_DEPTH, BadParameter, SearchParams, parse_search_params
from search_cli.web.replay import (
    CaptureLookup,
    CaptureNotFound,
    Location,
    read_capture,
    replay_headers,
    replay_path,
    rewrite_html,
)

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
VIETNAM_TZ = timezone(timedelta(hours=7))
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
)
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".png": "image/png", ".svg": "image/svg+xml"}
EXPORT_CHUNK_CHARS = 64 * 1024
EXPORT_QUEUE_CHUNKS = 8
MAX_URL_CHARS = 4000
DEFAULT_CACHE_PAGES = 256

KIND_LABELS = {"article": "Bài viết", "document": "Văn bản"}
SORT_LABELS = {"relevance": "Liên quan nhất", "newest": "Mới nhất", "oldest": "Cũ nhất"}
FACET_LABELS = {"portal": "Cổng thông tin", "year": "Năm", "kind": "Loại"}
MATCH_LABELS = {
    "number": "số hiệu",
    "title": "tiêu đề",
    "body": "nội dung",
    "attachment": "tệp đính kèm",
    "author": "tác giả",
}
EXAMPLES: tuple[tuple[str, str], ...] = (
    ('"chuyển đổi số"', "đúng cụm từ"),
    ("giao thông -đường", "loại trừ một từ"),
    ("hội nghị OR hội thảo", "một trong hai"),
    ('title:"đại hội"', "chỉ tìm trong tiêu đề"),
    ('author:"Thanh Vi"', "theo tác giả hoặc người ký"),
    ("45-CV/BTGTU", "theo số hiệu văn bản"),
    ("chuyển*", "theo tiền tố"),
    ("*", "mọi bản ghi: dùng cùng bộ lọc cổng, loại, ngày"),
)
FIELD_LABELS = {
    "url": "Địa chỉ gốc",
    "portal": "Cổng thông tin",
    "kind": "Loại",
    "title": "Tiêu đề",
    "published": "Ngày đăng / ban hành",
    "author": "Tác giả",
    "source": "Nguồn",
    "summary": "Tóm tắt / trích yếu",
    "body": "Nội dung",
    "category": "Chuyên mục",
    "tags": "Từ khóa",
    "doc_number": "Số hiệu",
    "doc_type": "Loại văn bản",
    "issuer": "Cơ quan ban hành",
    "signer": "Người ký",
    "effective": "Ngày hiệu lực",
    "expires": "Ngày hết hiệu lực",
    "doc_refs": "Văn bản được dẫn",
    "attachments": "Tệp đính kèm",
    "cms": "Trình phân tích (CMS)",
    "fetched": "Thời điểm thu thập",
    "digest": "Mã băm nội dung",
    "warc_file": "Tệp WARC",
    "warc_offset": "Vị trí trong tệp WARC",
}


class HTTPError(Exception):
    """Raised by a handler to answer with an error page: status and a message for the reader."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Request:
    """The parts of a WSGI request the handlers use."""

    method: str
    path: str
    query: dict[str, list[str]]
    environ: dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        """Build from a WSGI environ (PATH_INFO decoded as UTF-8, query string parsed)."""
        raw_path = environ.get("PATH_INFO", "/") or "/"
        try:
            path = raw_path.encode("latin-1").decode("utf-8")
        except (UnicodeDecodeError, UnicodeEncodeError):
            path = raw_path
        query_string = environ.get("QUERY_STRING", "")
        if len(query_string) > MAX_URL_CHARS * 2:
            raise HTTPError(414, "Địa chỉ quá dài.")
        try:
            query = parse_qs(query_string, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise HTTPError(400, "Tham số không phải UTF-8 hợp lệ.") from None
        return cls(environ.get("REQUEST_METHOD", "GET").upper(), path, query, environ)

    def arg(self, name: str) -> str:
        """The first value of a query parameter, or ``""``."""
        values = self.query.get(name)
        return values[0] if values else ""


@dataclass
class Response:
    """Status, headers and a body (bytes or an iterator of bytes, for streaming)."""

    status: int
    body: bytes | Iterable[bytes]
    headers: list[tuple[str, str]] = field(default_factory=list)


# Formatting helpers used by the templates.


def format_date(value: str | None) -> str:
    """`2021-01-26T17:00:00+07:00` → `26/01/2021 17:00` (Vietnam time); a bare date → `26/01/2021`."""
    if not value:
        return ""
    text = str(value)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if len(text) <= 10:
        return moment.strftime("%d/%m/%Y")
    if moment.tzinfo is not None:
        moment = moment.astimezone(VIETNAM_TZ)
    return moment.strftime("%d/%m/%Y %H:%M")


def format_count(value: int) -> str:
    """Thousands grouped the Vietnamese way: 12.345."""
    return f"{value:,}".replace(",", ".")


def highlight(parts: list[tuple[str, bool]]) -> Markup:
    """Snippet parts as HTML, matched words in `<mark>`, everything escaped."""
    return Markup(
        "".join(
            f"<mark>{html.escape(text)}</mark>" if hit else html.escape(text) for text, hit in parts
        )
    )


def paragraphs(text: str | None) -> Markup:
    """Plain text with blank-line paragraphs as escaped `<p>` elements."""
    if not text:
        return Markup("")
    blocks = [b.strip() for b in re.split(r"\n\s*\n", str(text)) if b.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in b.split("\n")))
        for b in blocks
    )


def is_web_url(value: Any) -> bool:
    """True for an http(s) URL (the only kind rendered as a link to the outside)."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def safe_back(value: str) -> str:
    """A same-site search URL to go back to, or ``"/"`` for anything else."""
    if value.startswith("/?") and len(value) <= MAX_URL_CHARS and "\\" not in value:
        return value
    return "/"


def slug(text: str, limit: int = 40) -> str:
    """An ASCII file-name part for a query: `Đại hội` → `dai-hoi`."""
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:limit].strip("-") or "ket-qua"


def build_environment() -> Environment:
    """The Jinja2 environment: autoescape on for every template; missing record keys render empty."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=Undefined,  # records from older parsers may lack keys: render them empty
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        date=format_date,
        count=format_count,
        highlight=highlight,
        paragraphs=paragraphs,
        json=json_dumps,
    )
    env.globals.update(
        KIND_LABELS=KIND_LABELS,
        SORT_LABELS=SORT_LABELS,
        FACET_LABELS=FACET_LABELS,
        MATCH_LABELS=MATCH_LABELS,
        EXAMPLES=EXAMPLES,
        FIELD_LABELS=FIELD_LABELS,
        quote=lambda value: quote(str(value), safe=""),
        replay_path=replay_path,
    )
    env.tests["web_url"] = is_web_url
    return env


class _Cancelled(Exception):
    """Raised inside an export writer when the client has gone away."""


class _QueueWriter(io.TextIOBase):
    """A text file whose writes become UTF-8 chunks on a bounded queue (back-pressure)."""

    def __init__(self, chunks: queue.Queue[Any], cancelled: threading.Event) -> None:
        self._chunks = chunks
        self._cancelled = cancelled
        self._buffer: list[str] = []
        self._size = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._buffer.append(text)
        self._size += len(text)
        if self._size >= EXPORT_CHUNK_CHARS:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if not self._buffer:
            return
        chunk = "".join(self._buffer).encode("utf-8")
        self._buffer, self._size = [], 0
        while True:
            if self._cancelled.is_set():
                raise _Cancelled
            try:
                self._chunks.put(chunk, timeout=0.5)
                return
            except queue.Full:
                continue


_DONE = object()


def stream_writer(write: Callable[[io.TextIOBase], int]) -> Iterator[bytes]:
    """Run `write(fh)` in a thread and yield what it writes, in chunks, as it writes it."""
    chunks: queue.Queue[Any] = queue.Queue(maxsize=EXPORT_QUEUE_CHUNKS)
    cancelled = threading.Event()

    def produce() -> None:
        fh = _QueueWriter(chunks, cancelled)
        outcome: Any = _DONE
        try:
            count = write(fh)
            fh.flush()
            logger.info("export streamed %d hits", count)
        except _Cancelled:
            logger.info("export cancelled: the client went away")
        except Exception as exc:
            logger.exception("export failed")
            outcome = exc
        while not cancelled.is_set():
            try:
                chunks.put(outcome, timeout=0.5)
                return
            except queue.Full:
                continue

    thread = threading.Thread(target=produce, name="govarchive-export", daemon=True)
    thread.start()
    try:
        while True:
            item = chunks.get()
            if item is _DONE:
                return
            if isinstance(item, Exception):
                return  # the status line is gone; a short file is all we can say
            yield item
    finally:
        cancelled.set()
        while thread.is_alive():
            try:
                chunks.get(timeout=0.1)
            except queue.Empty:
                pass
        thread.join()


class PortalNames:
    """Portal id → name from the archive's registry (`portals.toml`), reread when it changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: float | None = -1.0
        self._names: dict[str, str] = {}
        self._lock = threading.Lock()
        self.version = 0

    def get(self) -> dict[str, str]:
        """The current names (empty when there is no readable registry)."""
        try:
            stamp = self.path.stat().st_mtime
        except OSError:
            stamp = None
        with self._lock:
            if stamp != self._stamp:
                from scraper.portals import RegistryError, load_registry

                self._names = {}
                if stamp is not None:
                    try:
                        registry = load_registry(self.path)
                        self._names = {pid: p.name for pid, p in registry.items()}
                    except (RegistryError, OSError) as exc:
                        logger.warning("portal names unavailable: %s", exc)
                self._stamp = stamp
                self.version += 1
            return self._names


class SearchApp:
    """WSGI application serving one archive read-only."""

    def __init__(self, layout: DataLayout, *, cache_pages: int = DEFAULT_CACHE_PAGES) -> None:
        self.layout = layout
        self.env = build_environment()
        self.portal_names = PortalNames(layout.portals)
        self.cache = PageCache(cache_pages)
        self.facet_cache = PageCache(cache_pages)  # facets do not change with page or sort
        self.searchers = SearcherPool(layout.index)
        self.lookup = CaptureLookup(layout.state / "captures.sqlite", fallback=self._locate_records)
        self.routes: dict[str, Callable[[Request], Response]] = {
            "/": self.search_page,
            "/record": self.record_page,
            "/capture": self.capture_page,
            "/replay": self.replay_by_url,
            "/export.csv": self.export_csv,
            "/export.jsonl": self.export_jsonl,
            "/robots.txt": self.robots,
        }

    # WSGI

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Answer one request; errors become pages, never tracebacks."""
        try:
            request = Request.from_environ(environ)
            response = self.dispatch(request)
        except HTTPError as exc:
            response = self.error_page(exc.status, exc.message)
        except Exception:
            logger.exception("error answering %s", environ.get("PATH_INFO"))
            response = self.error_page(500, "Lỗi máy chủ. Chi tiết đã được ghi vào nhật ký.")
        headers = list(response.headers)
        names = {name.lower() for name, _ in headers}
        if "content-type" not in names:
            headers.append(("Content-Type", "text/html; charset=utf-8"))
        if "content-security-policy" not in names:
            headers.append(("Content-Security-Policy", PAGE_CSP))
        if "x-content-type-options" not in names:
            headers.append(("X-Content-Type-Options", "nosniff"))
        if "referrer-policy" not in names:
            headers.append(("Referrer-Policy", "same-origin"))
        body = response.body
        if isinstance(body, bytes):
            if "content-length" not in names:
                headers.append(("Content-Length", str(len(body))))
            body = [body]
        status = HTTPStatus(response.status)
        start_response(f"{status.value} {status.phrase}", headers)
        if environ.get("REQUEST_METHOD", "GET").upper() == "HEAD":
            if hasattr(body, "close"):
                body.close()
            return [b""]
        return body

    def dispatch(self, request: Request) -> Response:
        """Route a request to its handler."""
        if request.method not in ("GET", "HEAD"):
            return self.error_page(
                405, "Trang này chỉ đọc: chỉ nhận GET.", [("Allow", "GET, HEAD")]
            )
        handler = self.routes.get(request.path)
        if handler is not None:
            return handler(request)
        if request.path.startswith("/static/"):
            return self.static(request.path.removeprefix("/static/"))
        if request.path.startswith("/replay/"):
            return self.replay_at(request.path.removeprefix("/replay/"))
        raise HTTPError(404, "Không có trang này.")

    # rendering

    def render(self, template: str, http_status: int = 200, **context: Any) -> Response:
        """Render a template into an HTML response."""
        context.setdefault("portal_names", self.portal_names.get())
        html = self.env.get_template(template).render(**context)
        return Response(http_status, html.encode("utf-8"))

    def error_page(
        self, status: int, message: str, headers: list[tuple[str, str]] | None = None
    ) -> Response:
        """A page telling the reader what went wrong, with the search box to go on."""
        response = self.render(
            "error.html", status, status=status, message=message, params=SearchParams()
        )
        response.headers.extend(headers or [])
        return response

    def no_index_page(self, params: SearchParams) -> Response:
        """The friendly page for an archive that has no index yet."""
        return self.render("noindex.html", 503, params=params, index_dir=str(self.layout.index))

    # search

    def search_page(self, request: Request) -> Response:
        """The search page: form, hits, facets, paging, export links."""
        try:
            params = parse_search_params(request.query)
        except BadParameter as exc:
            raise HTTPError(400, str(exc)) from None
        generation = index_generation(self.layout.index)  # None: no commit yet
        if generation is None and not index_exists(self.layout.index):
            return self.no_index_page(params)
        if not params.has_query:
            return self.render("search.html", params=params, results=None, view=None)
        names = self.portal_names.get()
        key = (params.query_string(), generation, self.portal_names.version)
        cached = self.cache.get(key)
        if cached is not None:
            return Response(200, cached, [("X-Cache", "hit")])
        facet_key = (replace(params, page=1, sort="relevance", limit=1).query_string(), generation)
        known_facets = self.facet_cache.get(facet_key) if generation is not None else None
        started = time.perf_counter()
        try:
            results = search(
                self.layout.index,
                params.q,
                page=params.page,
                limit=params.limit,
                facets=known_facets is None,
                pool=self.searchers,
                generation=generation,
                **params.search_kwargs(),
            )
        except QueryError:
            return self.render(
                "search.html",
                400,
                params=params,
                results=None,
                view=None,
                message="Truy vấn không còn từ nào để tìm: hãy nhập một từ, một cụm từ hoặc một số hiệu.",
            )
        except NoIndexError:
            return self.no_index_page(params)
        except ValueError as exc:
            raise HTTPError(400, str(exc)) from None
        if known_facets is None:
            if generation is not None:
                self.facet_cache.put(facet_key, results.facets)
        else:
            results.facets = known_facets
        searched = time.perf_counter()
        response = self.render(
            "search.html",
            params=params,
            results=results,
            view=ResultsView(params, results, names),
            portal_names=names,
        )
        timing = (
            f"search;dur={(searched - started) * 1000:.1f}, "
            f"render;dur={(time.perf_counter() - searched) * 1000:.1f}"
        )
        response.headers.append(("Server-Timing", timing))
        if generation is not None:
            self.cache.put(key, response.body)  # type: ignore[arg-type]
        response.headers.append(("X-Cache", "miss"))
        return response

    # records

    def _record(self, url: str) -> dict[str, Any] | None:
        with open_searcher(self.layout.index) as searcher:
            docnum = searcher.document_number(url=url)
            return None if docnum is None else load_record(searcher, docnum)

    def _locate_records(self, urls: list[str]) -> dict[str, Location]:
        """Fallback lookup: the WARC location the indexed record of each URL names."""
        found: dict[str, Location] = {}
        if not index_exists(self.layout.index):
            return found
        with open_searcher(self.layout.index) as searcher:
            for url in urls:
                docnum = searcher.document_number(url=url)
                if docnum is None:
                    continue
                record = load_record(searcher, docnum)
                if record.get("warc_file") and isinstance(record.get("warc_offset"), int):
                    found[url] = (record["warc_file"], record["warc_offset"])
        return found

    def _url_arg(self, request: Request) -> str:
        url = request.arg("url").strip()
        if not url:
            raise HTTPError(400, "Thiếu tham số url.")
        if len(url) > MAX_URL_CHARS:
            raise HTTPError(400, "Tham số url quá dài.")
        return url

    def _record_or_404(self, url: str) -> dict[str, Any]:
        if not index_exists(self.layout.index):
            raise HTTPError(503, "Kho lưu trữ chưa có chỉ mục.")
        record = self._record(url)
        if record is None:
            raise HTTPError(404, f"Không có bản ghi nào cho địa chỉ {url}.")
        return record

    def record_page(self, request: Request) -> Response:
        """Every field of one record, its attachments and a link to the archived capture."""
        record = self._record_or_404(self._url_arg(request))
        location = self._record_location(record)
        attachment_links = self.lookup.locate_many(
            a.get("url", "") for a in record.get("attachments") or [] if isinstance(a, dict)
        )
        extra = {k: v for k, v in record.items() if k not in FIELD_LABELS}
        return self.render(
            "record.html",
            params=SearchParams(),
            record=record,
            location=location,
            attachment_links=attachment_links,
            extra=extra,
            back=safe_back(request.arg("back")),
        )

    def _record_location(self, record: dict[str, Any]) -> Location | None:
        warc_file, offset = record.get("warc_file"), record.get("warc_offset")
        if isinstance(warc_file, str) and isinstance(offset, int):
            return (warc_file, offset)
        return self.lookup.locate(record.get("url") or "")

    # replay

    def capture_page(self, request: Request) -> Response:
        """The archived capture under a banner, framed in a sandbox."""
        url = self._url_arg(request)
        record = self._record(url) if index_exists(self.layout.index) else None
        location = self._record_location(record) if record else self.lookup.locate(url)
        if location is None:
            raise HTTPError(404, f"Địa chỉ {url} không có bản lưu trữ.")
        try:
            capture = read_capture(self.layout.warc, *location, headers_only=True)
        except CaptureNotFound as exc:
            logger.warning("capture of %s: %s", url, exc)
            raise HTTPError(404, f"Không đọc được bản lưu trữ của {url}.") from None
        return self.render(
            "capture.html",
            params=SearchParams(),
            record=record,
            url=url,
            capture=capture,
            captured=format_date(capture.warc_date),
            frame_src=replay_path(location),
        )

    def replay_by_url(self, request: Request) -> Response:
        """The raw archived response of a URL (latest capture)."""
        url = self._url_arg(request)
        location = self.lookup.locate(url)
        if location is None:
            raise HTTPError(404, f"Địa chỉ {url} không có bản lưu trữ.")
        return self._replay(location)

    def replay_at(self, rest: str) -> Response:
        """The raw archived response at `<warc_file>/<offset>`."""
        warc_file, _, offset = unquote(rest).rpartition("/")
        if not warc_file or not offset.isdigit():
            raise HTTPError(404, "Không có bản lưu trữ ở địa chỉ này.")
        return self._replay((warc_file, int(offset)))

    def _replay(self, location: Location) -> Response:
        try:
            capture = read_capture(self.layout.warc, *location)
        except CaptureNotFound as exc:
            logger.info("replay %s:%s: %s", *location, exc)
            raise HTTPError(404, "Không có bản lưu trữ ở địa chỉ này.") from None
        if capture.is_html:
            body = rewrite_html(capture, self.lookup.locate_many)
        else:
            body = capture.body
        headers = replay_headers(capture, len(body), rewritten=capture.is_html)
        return Response(200, body, headers)

    # export

    def _export(self, request: Request, suffix: str) -> Response:
        try:
            params = parse_search_params(request.query)
        except BadParameter as exc:
            raise HTTPError(400, str(exc)) from None
        if not params.has_query:
            raise HTTPError(400, "Hãy nhập từ cần tìm trước khi xuất kết quả.")
        try:
            parse_query(params.q, exact=params.exact)
        except QueryError:
            raise HTTPError(400, "Truy vấn không còn từ nào để tìm.") from None
        if not index_exists(self.layout.index):
            raise HTTPError(503, "Kho lưu trữ chưa có chỉ mục.")
        kwargs = params.search_kwargs()
        excel = request.arg("excel") != "0"

        def hits() -> Iterator[Hit]:
            return iter_hits(self.layout.index, params.q, **kwargs)

        if suffix == "csv":
            body = stream_writer(lambda fh: write_csv(hits(), fh, excel=excel))
            content_type = "text/csv; charset=utf-8"
        else:
            body = stream_writer(lambda fh: write_jsonl(hits(), fh))
            content_type = "application/x-ndjson; charset=utf-8"
        name = f"govarchive-{slug(params.q)}.{suffix}"
        headers = [
            ("Content-Type", content_type),
            ("Content-Disposition", f'attachment; filename="{name}"'),
            ("Cache-Control", "no-store"),
        ]
        return Response(200, body, headers)

    def export_csv(self, request: Request) -> Response:
        """Every hit of the query as Excel-safe CSV (UTF-8 BOM, CRLF; `excel=0` for plain)."""
        return self._export(request, "csv")

    def export_jsonl(self, request: Request) -> Response:
        """Every hit of the query as JSON Lines, every field."""
        return self._export(request, "jsonl")

    # files

    def static(self, name: str) -> Response:
        """A file of static/ (style sheet)."""
        path = (STATIC_DIR / name).resolve()
        if path.parent != STATIC_DIR or not path.is_file() or path.suffix not in STATIC_TYPES:
            raise HTTPError(404, "Không có tệp này.")
        return Response(
            200,
            path.read_bytes(),
            [
                ("Content-Type", STATIC_TYPES[path.suffix]),
                ("Cache-Control", "public, max-age=3600"),
            ],
        )

    def robots(self, request: Request) -> Response:
        """Keep crawlers out of the archive's search pages."""
        return Response(200, b"User-agent: *\nDisallow: /\n", [("Content-Type", "text/plain")])


@dataclass
class FacetLink:
    """One facet value: its label, count, the URL that narrows to it, and whether it is on."""

    label: str
    count: int
    url: str | None
    active: bool


@dataclass
class FilterChip:
    """An active filter, with the URL that removes it."""

    label: str
    remove_url: str


class ResultsView:
    """What the results template needs beyond the hits: facet links, chips, paging, export."""

    def __init__(
        self,
        params: SearchParams,
        results: SearchResults,
        portal_names: dict[str, str] | None = None,
    ) -> None:
        self.params = params
        self.results = results
        self.portal_names = portal_names or {}

    @property
    def facets(self) -> dict[str, list[FacetLink]]:
        """Facet values per facet, each with the URL that narrows the search to it."""
        p = self.params
        out: dict[str, list[FacetLink]] = {}
        for name, counts in self.results.facets.items():
            links: list[FacetLink] = []
            for value, count in counts.items():
                if name == "year":
                    active = p.date_from == value and p.date_to == value
                    url = None if value == "unknown" else p.url(date_from=value, date_to=value)
                    label = "Không rõ năm" if value == "unknown" else value
                elif name == "kind":
                    active = p.kind == value
                    url = None if value == "unknown" else p.url(kind=value)
                    label = KIND_LABELS.get(value, value)
                else:
                    active = p.portal == value
                    url = None if value == "unknown" else p.url(portal=value)
                    label = self.portal_names.get(value, value)
                if active:
                    url = None
                links.append(FacetLink(label, count, url, active))
            if name == "year":
                links.sort(key=lambda link: link.label, reverse=True)
            out[name] = links
        return out

    @property
    def chips(self) -> list[FilterChip]:
        """The active filters with links that drop each."""
        p = self.params
        chips: list[FilterChip] = []
        if p.exact:
            chips.append(FilterChip("Chính xác dấu", p.url(exact=False)))
        if p.portal:
            name = self.portal_names.get(p.portal, p.portal)
            chips.append(FilterChip(f"Cổng: {name}", p.url(portal="")))
        if p.kind:
            chips.append(FilterChip(f"Loại: {KIND_LABELS.get(p.kind, p.kind)}", p.url(kind="")))
        if p.author:
            chips.append(FilterChip(f"Tác giả: {p.author}", p.url(author="")))
        if p.date_from and p.date_from == p.date_to:
            chips.append(FilterChip(f"Năm/ngày: {p.date_from}", p.url(date_from="", date_to="")))
        else:
            if p.date_from:
                chips.append(FilterChip(f"Từ: {p.date_from}", p.url(date_from="")))
            if p.date_to:
                chips.append(FilterChip(f"Đến: {p.date_to}", p.url(date_to="")))
        return chips

    @property
    def sort_links(self) -> list[tuple[str, str | None]]:
        """(label, URL) per sort order; URL None for the current one."""
        return [
            (label, None if key == self.params.sort else self.params.url(sort=key))
            for key, label in SORT_LABELS.items()
        ]

    @property
    def pages(self) -> list[tuple[str, str | None]]:
        """Page links around the current page: (label, URL or None for the current/ellipsis)."""
        current, last = self.params.page, self.last_page
        if last <= 1:
            return []
        shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
        links: list[tuple[str, str | None]] = []
        previous = 0
        for number in shown:
            if number - previous > 1:
                links.append(("…", None))
            links.append((str(number), None if number == current else self.params.url(page=number)))
            previous = number
        return links

    @property
    def prev_url(self) -> str | None:
        """The previous page, or None on the first."""
        return self.params.url(page=self.params.page - 1) if self.params.page > 1 else None

    @property
    def next_url(self) -> str | None:
        """The next page, or None on the last."""
        return (
            self.params.url(page=self.params.page + 1)
            if self.params.page < self.last_page
            else None
        )

    @property
    def last_page(self) -> int:
        """The last page that can be shown (paging stops at MAX_DEPTH hits)."""
        return min(self.results.pages, max(1, MAX_DEPTH // self.params.limit))

    def export_url(self, suffix: str) -> str:
        """The export link for the current query and filters (no paging)."""
        return f"/export.{suffix}?{self.params.query_string(paging=False)}"

    def record_url(self, hit: Hit) -> str:
        """The record page of a hit, remembering the search to go back to."""
        return "/record?" + urlencode(
            {"url": hit.record.get("url") or "", "back": self.params.url()}
        )

    def snippet_from_attachment(self, hit: Hit) -> bool:
        """True when the snippet was cut from an attachment (no body match)."""
        return "attachment" in hit.matched_in and "body" not in hit.matched_in


def json_dumps(value: Any) -> str:
    """JSON for display (Vietnamese kept readable)."""
    return json.dumps(value, ensure_ascii=False, indent=2)
