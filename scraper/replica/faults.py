"""Fault injection for the replica portal: broken servers, hostile pages and crawler traps.

A `FaultPlan` is passed as `ReplicaPortal(faults=plan)`. The plan answers a request itself when
one of its faults or trap pages matches the path (or the path with its query); everything else
is served by the replica as usual. Faults are keyed by path (`/tin-tuc/`), by path and query, or
by a prefix ending in `*` (`/lich-cong-tac/*`).

    plan = FaultPlan()
    plan.add("/tin-tuc/", Fault.status(503, times=2, retry_after="1"))
    plan.add(article_path, Fault.slow(5.0, times=1))
    plan.link("/khong-ton-tai-404.html")        # injected into the home page
    plan.enable_traps()                          # calendar, pagination, session-id and query traps
"""

from __future__ import annotations

import gzip
import logging
import secrets
import socket
import struct
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from html import escape
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

if TYPE_CHECKING:
    from scraper.replica.server import ReplicaPortal, Response

logger = logging.getLogger(__name__)

# Trap pages (served by `enable_traps`): each links to more of itself, forever.
CALENDAR_PREFIX = "/lich-cong-tac/"
PAGINATION_PREFIX = "/thong-bao/"
SESSION_PREFIX = "/gioi-thieu/"
QUERY_PREFIX = "/tra-cuu/"
TRAP_PREFIXES = (CALENDAR_PREFIX, PAGINATION_PREFIX, SESSION_PREFIX, QUERY_PREFIX)
LETTER_MARKS = "\u0302\u0306\u031b"  # circumflex, breve, horn: part of the letter
QUERY_KEYS = ("sap-xep", "linh-vuc", "nam", "co-quan", "trang-thai", "loai")

BILLION_LAUGHS_DTD = (
    '<!DOCTYPE {root} [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'
        for n in range(1, 10)
    )
    + "{extra}]>\n"
)


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour: forever (`times=None`) or for the first `times` requests."""

    kind: str
    times: int | None = None
    status: int = 200
    retry_after: str | None = None
    delay: float = 0.0
    location: str | None = None
    content_type: str | None = None
    body: bytes | Callable[[], bytes] | None = None
    encoding: str | None = None
    padding: int = 0

    @classmethod
    def http_status(
        cls, status: int, *, times: int | None = None, retry_after: str | None = None
    ) -> Fault:
        """Answer `status` (with `Retry-After` if given) instead of the page."""
        return cls("status", times=times, status=status, retry_after=retry_after)

    @classmethod
    def slow(cls, delay: float, *, times: int | None = None) -> Fault:
        """Wait `delay` seconds before answering normally (beyond the client's timeout)."""
        return cls("slow", times=times, delay=delay)

    @classmethod
    def reset(cls, *, times: int | None = None) -> Fault:
        """Read the request, then reset the TCP connection (RST, no answer)."""
        return cls("reset", times=times)

    @classmethod
    def truncated(cls, *, times: int | None = None) -> Fault:
        """Send the page with a Content-Length larger than the half body sent, then close."""
        return cls("truncate", times=times)

    @classmethod
    def broken_gzip(cls, *, times: int | None = None) -> Fault:
        """Declare `Content-Encoding: gzip` over bytes that are not a gzip stream."""
        return cls("bad_gzip", times=times)

    @classmethod
    def redirect(cls, location: str, *, status: int = 302, times: int | None = None) -> Fault:
        """Redirect to `location` (two of these pointing at each other make a loop)."""
        return cls("redirect", times=times, status=status, location=location)

    @classmethod
    def wrong_charset(cls, declared: str = "ISO-8859-1", *, times: int | None = None) -> Fault:
        """Serve the UTF-8 page under a `Content-Type` header declaring `declared`."""
        return cls("charset", times=times, content_type=f"text/html; charset={declared}")

    @classmethod
    def legacy_encoding(
        cls, encoding: str = "cp1258", declared: str = "windows-1252", *, times: int | None = None
    ) -> Fault:
        """Re-encode the page in a legacy code page and declare `declared` (header and meta)."""
        return cls(
            "legacy",
            times=times,
            encoding=encoding,
            content_type=f"text/html; charset={declared}",
        )

    @classmethod
    def inflated(cls, padding: int = 20 * 1024 * 1024, *, times: int | None = None) -> Fault:
        """Insert `padding` bytes of inline base64 image into the page's body (a huge page)."""
        return cls("inflate", times=times, padding=padding)

    @classmethod
    def page(
        cls,
        body: bytes | Callable[[], bytes],
        content_type: str = "text/html; charset=UTF-8",
        *,
        status: int = 200,
        times: int | None = None,
    ) -> Fault:
        """Answer with these bytes (a hostile sitemap, a custom robots.txt, ...)."""
        return cls("page", times=times, status=status, content_type=content_type, body=body)


@dataclass
class _Entry:
    fault: Fault
    remaining: int | None


@dataclass
class FaultPlan:
    """Which paths misbehave and how; links to inject into the home page; optional trap pages."""

    faults: dict[str, _Entry] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    traps: bool = False
    hits: Counter[str] = field(default_factory=Counter)
    log: list[tuple[float, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    def add(self, key: str, fault: Fault) -> FaultPlan:
        """Make `key` (a path, a path with query, or a `prefix*`) misbehave; returns self."""
        with self._lock:
            self.faults[key] = _Entry(fault, fault.times)
        return self

    def remove(self, key: str) -> None:
        """Let `key` behave again."""
        with self._lock:
            self.faults.pop(key, None)

    def clear(self) -> None:
        """Remove every fault (injected links and traps stay)."""
        with self._lock:
            self.faults.clear()

    def link(self, *hrefs: str) -> FaultPlan:
        """Add links to the home page (off-domain, 404, disallowed, trap entries); returns self."""
        self.links.extend(hrefs)
        return self

    def enable_traps(self) -> FaultPlan:
        """Serve the trap pages and link them from the home page; returns self."""
        self.traps = True
        self.link(
            f"{CALENDAR_PREFIX}2021-01/",
            f"{PAGINATION_PREFIX}page-2/",
            f"{PAGINATION_PREFIX}?PHPSESSID={_token()}",
            f"{SESSION_PREFIX};jsessionid={_token()}",
            f"{QUERY_PREFIX}?{urlencode({'sap-xep': 'moi', 'nam': '2021'})}",
        )
        return self

    def stop(self) -> None:
        """Wake up slow answers so that the portal can stop."""
        self._stop.set()

    # -- serving -----------------------------------------------------------------------------

    def take(self, target: str, path: str) -> Fault | None:
        """The fault for this request, if any (counting down `times`)."""
        with self._lock:
            keys = [target, path] + [k for k in self.faults if k.endswith("*")]
            for key in keys:
                entry = self.faults.get(key)
                if entry is None or (key.endswith("*") and not path.startswith(key[:-1])):
                    continue
                if entry.remaining is None:
                    return entry.fault
                if entry.remaining > 0:
                    entry.remaining -= 1
                    return entry.fault
        return None

    def serve(self, handler: BaseHTTPRequestHandler, portal: ReplicaPortal) -> bool:
        """Answer the handler's request if the plan covers it; False lets the replica answer."""
        target = handler.path
        parts = urlsplit(target)
        path = unquote(parts.path) or "/"
        self.hits[path] += 1
        self.log.append((time.monotonic(), target))
        fault = self.take(target, path)
        if fault is None:
            if self.traps and path.startswith(TRAP_PREFIXES):
                return self._serve_trap(handler, portal, path, parts.query)
            if path in ("/", "/index.php") and self.links:
                response = self._normal(handler, portal)
                response = replace(response, body=_inject_links(response.body, self.links))
                _write(handler, portal, response)
                return True
            return False
        kind = fault.kind
        if kind == "status":
            from scraper.replica.server import Response

            body = f"<html><body><h1>{fault.status}</h1></body></html>".encode()
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            _write(handler, portal, Response(fault.status, body, headers=headers))
        elif kind == "slow":
            # Logged on arrival (status 0: not answered yet): a client that gives up waiting
            # has still made the request, whenever the answer would come.
            portal.requests.append((handler.command, target, 0))
            if self._stop.wait(fault.delay):
                handler.close_connection = True
                return True
            _write(handler, portal, self._normal(handler, portal), log=False)
        elif kind == "reset":
            portal.requests.append((handler.command, target, 0))
            _reset(handler)
        elif kind == "truncate":
            response = self._normal(handler, portal)
            _write(handler, portal, response, truncate=True)
        elif kind == "bad_gzip":
            response = self._normal(handler, portal)
            garbage = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + response.body[:2000]
            response = replace(
                response,
                body=garbage,
                headers={**response.headers, "Content-Encoding": "gzip"},
            )
            _write(handler, portal, response)
        elif kind == "redirect":
            from scraper.replica.server import Response

            _write(
                handler,
                portal,
                Response(fault.status, b"", headers={"Location": fault.location or "/"}),
            )
        elif kind == "charset":
            response = self._normal(handler, portal)
            _write(handler, portal, replace(response, content_type=fault.content_type or ""))
        elif kind == "legacy":
            response = self._normal(handler, portal)
            text = response.body.decode("utf-8")
            declared = (fault.content_type or "").rpartition("=")[2]
            text = text.replace('charset="utf-8"', f'charset="{declared}"').replace(
                "charset=utf-8", f"charset={declared}"
            )
            text = text.replace('charset="UTF-8"', f'charset="{declared}"').replace(
                "charset=UTF-8", f"charset={declared}"
            )
            body = encode_legacy(text, fault.encoding or "cp1258")
            _write(
                handler, portal, replace(response, body=body, content_type=fault.content_type or "")
            )
        elif kind == "inflate":
            response = self._normal(handler, portal)
            _write(handler, portal, replace(response, body=_inflate(response.body, fault.padding)))
        elif kind == "page":
            from scraper.replica.server import Response

            body = fault.body() if callable(fault.body) else (fault.body or b"")
            ctype = fault.content_type or "text/html; charset=UTF-8"
            _write(handler, portal, Response(fault.status, body, ctype, compressible=False))
        else:
            raise ValueError(f"unknown fault kind {kind!r}")
        return True

    def _normal(self, handler: BaseHTTPRequestHandler, portal: ReplicaPortal) -> Response:
        """The replica's own answer to the request (uncompressed)."""
        host = handler.headers.get("Host")
        base_url = f"http://{host}" if host else portal.url
        return portal.handle(handler.command, handler.path, handler.headers, base_url)

    def _serve_trap(
        self, handler: BaseHTTPRequestHandler, portal: ReplicaPortal, path: str, query: str
    ) -> bool:
        """A listing page of a trap: two real articles and links that lead on forever."""
        from scraper.replica.server import Response

        links: list[str] = []
        heading = "Thông báo"
        if path.startswith(CALENDAR_PREFIX):
            heading = "Lịch công tác"
            month = path[len(CALENDAR_PREFIX) :].strip("/")
            try:
                year, mon = (int(x) for x in month.split("-")[:2])
            except ValueError:
                year, mon = 2021, 1
            for step in (-1, 1):
                y, m = divmod(year * 12 + (mon - 1) + step, 12)
                links.append(f"{CALENDAR_PREFIX}{y:04d}-{m + 1:02d}/")
            links.append(f"{CALENDAR_PREFIX}{year:04d}-{mon:02d}/?ngay=1")
        elif path.startswith(PAGINATION_PREFIX):
            tail = path[len(PAGINATION_PREFIX) :].strip("/")
            number = int(tail[5:]) if tail.startswith("page-") and tail[5:].isdigit() else 1
            links.append(f"{PAGINATION_PREFIX}page-{number + 1}/")
            links.append(f"{PAGINATION_PREFIX}?PHPSESSID={_token()}")
            links.append(f"{PAGINATION_PREFIX}page-{number + 1}/?sid={_token()}")
        elif path.startswith(SESSION_PREFIX):
            heading = "Giới thiệu"
            links.append(f"{SESSION_PREFIX};jsessionid={_token()}")
            links.append(f"{SESSION_PREFIX}?PHPSESSID={_token()}&sid={_token()}")
        else:
            heading = "Tra cứu văn bản"
            current = dict(parse_qsl(query))
            for key in QUERY_KEYS:
                variant = {**current, key: secrets.token_hex(2)}
                links.append(f"{QUERY_PREFIX}?{urlencode(variant)}")
        state = portal.state
        base_url = f"http://{handler.headers.get('Host') or urlsplit(portal.url).netloc}"
        html = portal.renderer.news_listing(
            state,
            base_url,
            heading=heading,
            base=PAGINATION_PREFIX,
            items=state.news[:2],
            page=1,
            breadcrumbs=[(heading, PAGINATION_PREFIX)],
        )
        body = _inject_links((html or "").encode("utf-8"), links)
        _write(handler, portal, Response(200, body))
        return True


def _token() -> str:
    """A fresh session-id-looking token."""
    return secrets.token_hex(13)


def _inject_links(body: bytes, hrefs: Iterable[str]) -> bytes:
    """The page with a block of links before `</body>`."""
    items = "".join(f'<li><a href="{escape(h)}">{escape(h)}</a></li>' for h in hrefs)
    block = f'<div class="replica-fault-links"><ul>{items}</ul></div>'.encode()
    at = body.rfind(b"</body>")
    return body + block if at < 0 else body[:at] + block + body[at:]


def _inflate(body: bytes, padding: int) -> bytes:
    """The page with a huge inline image (as editors paste them) at the start of its body text."""
    image = (
        b'<p><img alt="" src="data:image/png;base64,'
        + b"iVBORw0KGgo" * (padding // 11)
        + b'" /></p>'
    )
    marker = b'<div id="news-bodyhtml"'
    at = body.find(marker)
    if at < 0:
        at = body.find(b"<body")
    end = body.find(b">", at) + 1
    return body[:end] + image + body[end:]


def encode_legacy(text: str, encoding: str = "cp1258") -> bytes:
    """Encode Vietnamese text in a legacy code page (cp1258: base letters plus combining tones)."""
    if encoding.replace("-", "").lower() not in ("cp1258", "windows1258"):
        return text.encode(encoding, errors="xmlcharrefreplace")
    out: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        if out and unicodedata.combining(char):
            out[-1] += char
        else:
            out.append(char)
    return "".join(_cp1258_cluster(c, encoding) for c in out).encode(
        encoding, errors="xmlcharrefreplace"
    )


def _cp1258_cluster(cluster: str, encoding: str) -> str:
    """A base letter and its marks as cp1258 writes them: â/ă/ơ precomposed, tones combining."""
    base, marks = cluster[0], cluster[1:]
    letter = "".join(m for m in marks if m in LETTER_MARKS)
    tones = "".join(m for m in marks if m not in LETTER_MARKS)
    composed = unicodedata.normalize("NFC", base + letter)
    if len(composed) != 1 or not _encodable(composed, encoding):
        composed = base + letter
    whole = unicodedata.normalize("NFC", composed + tones)
    if tones and len(whole) == 1 and _encodable(whole, encoding):
        return whole
    return composed + tones


def _encodable(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _write(
    handler: BaseHTTPRequestHandler,
    portal: ReplicaPortal,
    response: Response,
    *,
    truncate: bool = False,
    log: bool = True,
) -> None:
    """Send `response` as the replica does (gzip when asked), optionally cut short."""
    if log:
        portal.requests.append((handler.command, handler.path, response.status))
    body = response.body
    headers = dict(response.headers)
    accept = handler.headers.get("Accept-Encoding", "")
    if (
        response.compressible
        and not truncate
        and response.status not in (204, 304)
        and "Content-Encoding" not in headers
        and "gzip" in accept.lower()
        and len(body) >= 256
    ):
        body = gzip.compress(body, compresslevel=1, mtime=0)
        headers["Content-Encoding"] = "gzip"
    try:
        handler.send_response(response.status)
        if response.status != 304:
            handler.send_header("Content-Type", response.content_type)
        for name, value in headers.items():
            handler.send_header(name, value)
        if response.status == 304:
            handler.end_headers()
            return
        if truncate:
            handler.send_header("Content-Length", str(len(body) + 4096))
            handler.send_header("Connection", "close")
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)
    except OSError:  # the client gave up (timeout) or reset: nothing to answer
        handler.close_connection = True


def _reset(handler: BaseHTTPRequestHandler) -> None:
    """Abort the connection with a TCP RST."""
    connection: socket.socket = handler.connection  # type: ignore[attr-defined]
    try:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()
    except OSError:
        pass
    handler.close_connection = True


def xml_bomb(root: str, body: str, *, external: str | None = None) -> bytes:
    """An XML document whose DTD defines a billion-laughs bomb (and an external entity)."""
    extra = f'<!ENTITY xxe SYSTEM "{external}">\n' if external else ""
    dtd = BILLION_LAUGHS_DTD.format(root=root, extra=extra)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + dtd + body).encode("utf-8")


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll `predicate` until true or `timeout` seconds passed; returns its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
