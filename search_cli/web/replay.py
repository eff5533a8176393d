"""Replaying archived captures from WARC files: read one response, make its links stay inside."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urldefrag, urljoin, urlsplit

import lxml.html
from lxml import etree
from warcio.archiveiterator import ArchiveIterator

logger = logging.getLogger(__name__)

# The capture is data: no scripts, nothing fetched from outside the archive.
REPLAY_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'"
MAX_CAPTURE_BYTES = 50 * 1024 * 1024
MAX_REWRITE_BYTES = 20 * 1024 * 1024
INLINE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/css")
NOT_ARCHIVED_CLASS = "govarchive-not-archived"
NOT_ARCHIVED_STYLE = (
    f".{NOT_ARCHIVED_CLASS}{{text-decoration:underline dotted;color:#777;cursor:not-allowed}}"
)

_WARC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.warc(?:\.gz)?$")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_DROPPED_ELEMENTS = ("script", "object", "embed", "applet", "base", "portal")
_DROPPED_META = frozenset({"refresh", "content-security-policy", "set-cookie", "content-type"})
_URL_ATTRIBUTES = ("src", "poster", "background", "data", "codebase", "longdesc", "cite")
_DROPPED_ATTRIBUTES = frozenset(
    {"srcset", "imagesrcset", "formaction", "ping", "integrity", "nonce"}
)
_LOOKUP_CHUNK = 500


class CaptureNotFound(LookupError):
    """Raised when a WARC location or URL does not lead to an archived response."""


Location = tuple[str, int]


@dataclass
class Capture:
    """One archived HTTP response, content-decoded."""

    url: str
    warc_file: str
    warc_offset: int
    warc_date: str
    status: int
    content_type: str
    charset: str | None
    body: bytes
    truncated: bool = False
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_html(self) -> bool:
        """True for an HTML page (what gets rewritten)."""
        return self.content_type in ("text/html", "application/xhtml+xml") or (
            not self.content_type
            and self.body.lstrip()[:15].lower().startswith((b"<!doctype", b"<html"))
        )


def warc_path(warc_dir: Path, warc_file: str) -> Path:
    """The path of a WARC file named in a record; raise CaptureNotFound for anything else."""
    if not _WARC_NAME.match(warc_file or ""):
        raise CaptureNotFound(f"not a WARC file name: {warc_file!r}")
    path = warc_dir / warc_file
    if not path.is_file():
        raise CaptureNotFound(f"WARC file {warc_file} is not in the archive")
    return path


def _split_content_type(value: str | None) -> tuple[str, str | None]:
    if not value:
        return "", None
    mime, _, rest = value.partition(";")
    charset = None
    for part in rest.split(";"):
        name, _, val = part.strip().partition("=")
        if name.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'")
    return mime.strip().lower(), charset


def read_capture(
    warc_dir: Path, warc_file: str, warc_offset: int, *, headers_only: bool = False
) -> Capture:
    """Read the response record at `warc_offset` of `warc_file` (payload decoded unless `headers_only`)."""
    path = warc_path(warc_dir, warc_file)
    if warc_offset < 0 or warc_offset >= path.stat().st_size:
        raise CaptureNotFound(f"offset {warc_offset} is outside {warc_file}")
    with open(path, "rb") as fh:
        fh.seek(warc_offset)
        try:
            record = next(iter(ArchiveIterator(fh)))
        except Exception as exc:  # not a record boundary: bad offset or damaged file
            raise CaptureNotFound(f"no WARC record at {warc_file}:{warc_offset} ({exc})") from None
        if record.rec_type != "response" or record.http_headers is None:
            raise CaptureNotFound(
                f"{warc_file}:{warc_offset} holds a {record.rec_type} record, not a response"
            )
        http = record.http_headers
        mime, charset = _split_content_type(http.get_header("content-type"))
        body = b""
        truncated = bool(record.rec_headers.get_header("WARC-Truncated"))
        if not headers_only:
            try:
                body = record.content_stream().read(MAX_CAPTURE_BYTES + 1)
            except Exception:  # undecodable Content-Encoding: fall back to the bytes as stored
                logger.warning("cannot decode %s:%d, serving it raw", warc_file, warc_offset)
                fh.seek(warc_offset)
                record = next(iter(ArchiveIterator(fh)))
                body = record.raw_stream.read(MAX_CAPTURE_BYTES + 1)
            if len(body) > MAX_CAPTURE_BYTES:
                body, truncated = body[:MAX_CAPTURE_BYTES], True
        try:
            status = int(http.get_statuscode() or 0)
        except ValueError:
            status = 0
        return Capture(
            url=record.rec_headers.get_header("WARC-Target-URI") or "",
            warc_file=warc_file,
            warc_offset=warc_offset,
            warc_date=record.rec_headers.get_header("WARC-Date") or "",
            status=status,
            content_type=mime,
            charset=charset,
            body=body,
            truncated=truncated,
            headers=list(http.headers),
        )


class CaptureLookup:
    """Where each archived URL's latest response is: the capture index, read-only."""

    def __init__(
        self, capture_db: Path, fallback: Callable[[list[str]], dict[str, Location]] | None = None
    ):
        self.capture_db = capture_db
        self.fallback = fallback

    def _connect(self) -> sqlite3.Connection | None:
        if not self.capture_db.is_file():
            return None
        try:
            uri = f"file:{quote(str(self.capture_db.resolve()))}?mode=ro"
            return sqlite3.connect(uri, uri=True, timeout=5)
        except sqlite3.Error as exc:
            logger.warning("cannot open capture index %s: %s", self.capture_db, exc)
            return None

    def locate_many(self, urls: Iterable[str]) -> dict[str, Location]:
        """The WARC location of each URL that was archived (URLs without one are left out)."""
        asked = list(dict.fromkeys(u for u in urls if u))
        variants = {u: url_variants(u) for u in asked}
        wanted = list(dict.fromkeys(v for vs in variants.values() for v in vs))
        found = self._locate(wanted)
        located: dict[str, Location] = {}
        for url, forms in variants.items():
            hit = next((found[v] for v in forms if v in found), None)
            if hit is not None:
                located[url] = hit
        return located

    def _locate(self, wanted: list[str]) -> dict[str, Location]:
        found: dict[str, Location] = {}
        conn = self._connect()
        if conn is not None:
            try:
                for start in range(0, len(wanted), _LOOKUP_CHUNK):
                    chunk = wanted[start : start + _LOOKUP_CHUNK]
                    rows = conn.execute(
                        "SELECT url, warc_file, warc_offset FROM captures "
                        f"WHERE warc_file IS NOT NULL AND url IN ({','.join('?' * len(chunk))})",
                        chunk,
                    ).fetchall()
                    found.update({url: (f, int(o)) for url, f, o in rows if o is not None})
            except sqlite3.Error as exc:
                logger.warning("capture index %s unreadable: %s", self.capture_db, exc)
            finally:
                conn.close()
        missing = [u for u in wanted if u not in found]
        if missing and self.fallback is not None:
            found.update(self.fallback(missing))
        return found

    def locate(self, url: str) -> Location | None:
        """The WARC location of one URL, or None."""
        return self.locate_many([url]).get(url)


def url_variants(url: str) -> list[str]:
    """The URL as asked, then the forms a crawler may have stored it in (root with or without `/`)."""
    parts = urlsplit(url)
    out = [url]
    if parts.path in ("", "/") and not parts.query:
        bare = f"{parts.scheme}://{parts.netloc}"
        out.extend(v for v in (bare, bare + "/") if v != url)
    return out


def replay_path(location: Location) -> str:
    """Our URL for the capture at a WARC location."""
    return f"/replay/{quote(location[0])}/{location[1]}"


def _detect_charset(capture: Capture) -> str:
    if capture.charset:
        return capture.charset
    match = _META_CHARSET.search(capture.body[:4096])
    return match.group(1).decode("ascii") if match else "utf-8"


def _is_web_url(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def rewrite_html(capture: Capture, lookup: Callable[[list[str]], dict[str, Location]]) -> bytes:
    """The capture as UTF-8 HTML without scripts, its archived links pointing into the archive."""
    encoding = _detect_charset(capture)
    try:
        parser = lxml.html.HTMLParser(encoding=encoding, remove_comments=True)
        root = lxml.html.document_fromstring(capture.body, parser=parser)
    except (LookupError, etree.ParserError, ValueError):
        parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
        root = lxml.html.document_fromstring(capture.body or b"<html></html>", parser=parser)
    base = capture.url
    for element in root.iter("base"):
        if element.get("href"):
            base = urljoin(base, element.get("href").strip())
            break
    for element in list(root.iter(*_DROPPED_ELEMENTS)):
        element.drop_tree()
    for element in list(root.iter("meta")):
        if (element.get("http-equiv") or "").strip().lower() in _DROPPED_META or element.get(
            "charset"
        ):
            element.drop_tree()

    def absolute(value: str | None) -> str | None:
        value = (value or "").strip()
        if not value or value.startswith("#"):
            return None
        try:
            return urljoin(base, value)
        except ValueError:
            return None

    # First pass: every URL the page refers to, so the capture index is asked once.
    targets: list[str] = []
    for element in root.iter(etree.Element):
        for name in ("href", "action", *_URL_ATTRIBUTES):
            url = absolute(element.get(name))
            if url and _is_web_url(url):
                targets.append(urldefrag(url)[0])
    located = lookup(targets) if targets else {}

    def local(url: str | None) -> str | None:
        if not url or not _is_web_url(url):
            return None
        page, fragment = urldefrag(url)
        location = located.get(page)
        if location is None:
            return None
        return replay_path(location) + (f"#{fragment}" if fragment else "")

    for element in root.iter(etree.Element):
        for name in list(element.attrib):
            lowered = name.lower()
            if lowered.startswith("on") or lowered in _DROPPED_ATTRIBUTES:
                del element.attrib[name]
        tag = element.tag if isinstance(element.tag, str) else ""
        href = element.get("href")
        if href is not None:
            if href.strip().startswith("#"):
                pass
            elif tag in ("a", "area"):
                url = absolute(href)
                target = local(url)
                if target:
                    element.set("href", target)
                    element.attrib.pop("target", None)
                else:
                    del element.attrib["href"]
                    if url and _is_web_url(url):
                        element.set("data-archive-href", url)
                        element.set("title", f"Không có trong kho lưu trữ: {url}")
                    element.set("class", f"{element.get('class', '')} {NOT_ARCHIVED_CLASS}".strip())
            else:
                target = local(absolute(href))
                if target:
                    element.set("href", target)
                else:
                    del element.attrib["href"]
        if element.get("action") is not None:
            del element.attrib["action"]
        if tag == "form":
            element.set("aria-disabled", "true")  # the sandbox blocks submission
        for name in _URL_ATTRIBUTES:
            if element.get(name) is None:
                continue
            target = local(absolute(element.get(name)))
            if target:
                element.set(name, target)
            elif element.get(name, "").strip().startswith("data:") and tag == "img":
                pass
            else:
                del element.attrib[name]
        style = element.get("style")
        if style and "url(" in style.lower():
            element.set("style", re.sub(r"url\([^)]*\)", "none", style, flags=re.I))

    head = root.find("head")
    if head is None:
        head = etree.Element("head")
        root.insert(0, head)
    style = etree.Element("style")
    style.text = NOT_ARCHIVED_STYLE
    head.insert(0, style)
    meta = etree.Element("meta", charset="utf-8")
    head.insert(0, meta)
    html = lxml.html.tostring(root, encoding="unicode", method="html")
    return ("<!DOCTYPE html>\n" + html).encode("utf-8")


def replay_headers(capture: Capture, body_length: int, *, rewritten: bool) -> list[tuple[str, str]]:
    """Response headers for a replayed capture: sandboxed, no sniffing, downloads for the rest."""
    if rewritten:
        content_type = "text/html; charset=utf-8"
    elif capture.content_type.startswith("text/") and capture.charset:
        content_type = f"{capture.content_type}; charset={capture.charset}"
    else:
        content_type = capture.content_type or "application/octet-stream"
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(body_length)),
        ("Content-Security-Policy", REPLAY_CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "private, max-age=3600"),
    ]
    inline = (
        rewritten
        or capture.content_type in INLINE_TYPES
        or capture.content_type.startswith("image/")
    )
    if not inline:
        name = Path(urlsplit(capture.url).path).name or "capture"
        headers.append(("Content-Disposition", f"attachment; filename*=UTF-8''{quote(name)}"))
    return headers


def capture_info(capture: Capture) -> dict[str, Any]:
    """What the banner says about a capture."""
    return {
        "url": capture.url,
        "warc_date": capture.warc_date,
        "status": capture.status,
        "content_type": capture.content_type,
        "truncated": capture.truncated,
        "location": (capture.warc_file, capture.warc_offset),
    }
