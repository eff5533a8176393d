"""Reading the WARC archive back: captures with decoded bodies, revisits resolved, torn records skipped."""

from __future__ import annotations

import base64
import hashlib
import logging
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warcio.archiveiterator import ArchiveIterator

if TYPE_CHECKING:
    from scraper.portals import Portal

logger = logging.getLogger(__name__)

PORTAL_HEADER = "WARC-Govarchive-Portal"
CMS_HEADER = "WARC-Govarchive-CMS"
PROFILE_IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class ArchiveError(Exception):
    """Raised when a WARC record cannot be read where it was expected."""


def payload_digest(payload: bytes) -> str:
    """Return the WARC payload digest of `payload`: `sha1:` and base32."""
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode("ascii")


def warc_files(warc_dir: str | Path) -> list[Path]:
    """Return the gzip WARC files of `warc_dir` in capture order (their names start with a UTC time)."""
    return sorted(Path(warc_dir).glob("*.warc.gz"))


@dataclass(frozen=True)
class RecordInfo:
    """One WARC record's headers and location, without its payload."""

    rec_type: str
    url: str
    record_id: str
    date: str
    warc_file: str
    warc_offset: int
    status: int | None = None
    http_headers: tuple[tuple[str, str], ...] = ()
    digest: str | None = None
    profile: str | None = None
    refers_to: str | None = None
    refers_to_uri: str | None = None
    refers_to_date: str | None = None
    portal: str | None = None
    cms: str | None = None
    truncated: str | None = None

    @property
    def fetched(self) -> str:
        """WARC-Date to the second, as records carry it: `2026-11-26T10:00:00Z`."""
        return self.date[:19] + "Z" if len(self.date) >= 19 else self.date

    def header(self, name: str) -> str | None:
        """Return the HTTP header `name` (case-insensitive), repeats joined by `, `."""
        values = [v for k, v in self.http_headers if k.lower() == name.lower()]
        return ", ".join(values) if values else None


@dataclass(frozen=True)
class Capture:
    """An archived HTTP response: body content-decoded; a revisit carries the payload it refers to.

    `warc_file`/`warc_offset`/`payload_fetched` locate and date the response record holding the
    payload (as records cite it); `record_file`/`record_offset`/`fetched` are this capture's own
    record (the revisit, if any).
    """

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    content_type: str | None
    digest: str | None
    warc_file: str
    warc_offset: int
    fetched: str
    revisit: bool
    record_file: str
    record_offset: int
    payload_fetched: str = ""
    revisit_profile: str | None = None
    portal: str | None = None
    cms: str | None = None
    truncated: bool = False
    raw_body: bytes = field(default=b"", repr=False)

    @property
    def is_html(self) -> bool:
        """Whether the capture is an HTML page."""
        return self.content_type in HTML_TYPES


# low-level records


class _Problems:
    """Logs each torn or unreadable WARC file once."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def report(self, path: Path, message: str, *args: Any) -> None:
        if path.name not in self.seen:
            self.seen.add(path.name)
            logger.warning("%s: " + message, path.name, *args)


def _info(record: Any, path: Path, offset: int) -> RecordInfo:
    rec = record.rec_headers
    http = record.http_headers
    status = None
    headers: tuple[tuple[str, str], ...] = ()
    if http is not None and record.rec_type in ("response", "revisit"):
        try:
            status = int(http.get_statuscode())
        except (TypeError, ValueError):
            status = None
        headers = tuple((str(k), str(v)) for k, v in http.headers)
    elif http is not None:
        headers = tuple((str(k), str(v)) for k, v in http.headers)
    return RecordInfo(
        rec_type=record.rec_type,
        url=rec.get_header("WARC-Target-URI") or "",
        record_id=rec.get_header("WARC-Record-ID") or "",
        date=rec.get_header("WARC-Date") or "",
        warc_file=path.name,
        warc_offset=offset,
        status=status,
        http_headers=headers,
        digest=rec.get_header("WARC-Payload-Digest"),
        profile=rec.get_header("WARC-Profile"),
        refers_to=rec.get_header("WARC-Refers-To"),
        refers_to_uri=rec.get_header("WARC-Refers-To-Target-URI"),
        refers_to_date=rec.get_header("WARC-Refers-To-Date"),
        portal=rec.get_header(PORTAL_HEADER),
        cms=rec.get_header(CMS_HEADER),
        truncated=rec.get_header("WARC-Truncated"),
    )


def _iter_file(
    path: Path, *, keep_payload: bool, problems: _Problems | None = None
) -> Iterator[tuple[RecordInfo, bytes | None]]:
    """Yield complete records of one file; a torn record (killed crawl) is logged once and skipped."""
    problems = problems or _Problems()
    size = path.stat().st_size
    try:
        with path.open("rb") as stream:
            iterator = ArchiveIterator(stream, check_digests=True)
            for record in iterator:
                payload = record.raw_stream.read()
                remaining = getattr(record.raw_stream, "limit", 0) or 0
                # get_record_offset() reads to the record's end: only after the payload
                offset = iterator.get_record_offset()
                if remaining > 0 or record.digest_checker.passed is False:
                    problems.report(path, "torn or corrupt record at offset %d skipped", offset)
                    continue
                yield _info(record, path, offset), (payload if keep_payload else None)
            if iterator.offset < size:
                problems.report(path, "torn record at offset %d skipped", iterator.offset)
    except Exception as exc:  # zlib/EOF/parse errors from a damaged file: keep what was read
        problems.report(path, "unreadable after this point (%s: %s)", type(exc).__name__, exc)


def iter_records(warc_dir: str | Path) -> Iterator[RecordInfo]:
    """Yield every complete record of every WARC file in `warc_dir`, in capture order."""
    problems = _Problems()
    for path in warc_files(warc_dir):
        for info, _ in _iter_file(path, keep_payload=False, problems=problems):
            yield info


def read_record(path: str | Path, offset: int) -> tuple[RecordInfo, bytes]:
    """Return the record at `offset` of the WARC file `path` and its payload."""
    path = Path(path)
    with path.open("rb") as stream:
        stream.seek(offset)
        for record in ArchiveIterator(stream, check_digests=True):
            payload = record.raw_stream.read()
            if (getattr(record.raw_stream, "limit", 0) or 0) > 0:
                raise ArchiveError(f"{path.name}@{offset}: torn record")
            return _info(record, path, offset), payload
    raise ArchiveError(f"{path.name}@{offset}: no record")


# content decoding


def decode_body(body: bytes, content_encoding: str | None) -> bytes:
    """Remove the HTTP content codings (gzip, deflate, br, zstd) from `body`, last applied first."""
    if not content_encoding:
        return body
    for coding in reversed([c.strip().lower() for c in content_encoding.split(",") if c.strip()]):
        if coding in ("identity", "none"):
            continue
        body = _DECODERS.get(coding, _unknown_coding(coding))(body)
    return body


def _gunzip(body: bytes) -> bytes:
    out = []
    while body:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out.append(decompressor.decompress(body))
        body = decompressor.unused_data
        if not decompressor.eof:
            break
    return b"".join(out)


def _inflate(body: bytes) -> bytes:
    try:
        return zlib.decompressobj(zlib.MAX_WBITS).decompress(body)
    except zlib.error:
        return zlib.decompressobj(-zlib.MAX_WBITS).decompress(body)


def _unbrotli(body: bytes) -> bytes:
    import brotli

    return brotli.decompress(body)


def _unzstd(body: bytes) -> bytes:
    try:
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        from backports import zstd  # type: ignore[import-not-found,no-redef]
    return zstd.decompress(body)


def _unknown_coding(coding: str) -> Callable[[bytes], bytes]:
    def fail(body: bytes) -> bytes:
        raise ArchiveError(f"unknown content coding {coding!r}")

    return fail


_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _inflate,
    "br": _unbrotli,
    "zstd": _unzstd,
}


# captures


def _headers_dict(headers: tuple[tuple[str, str], ...]) -> dict[str, str]:
    result: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        result[key] = f"{result[key]}, {value}" if key in result else value
    return result


def _mime(headers: dict[str, str]) -> str | None:
    value = headers.get("content-type")
    if not value:
        return None
    return value.split(";", 1)[0].strip().lower() or None


def _capture(
    info: RecordInfo,
    payload_info: RecordInfo,
    payload: bytes,
) -> Capture:
    """Build a Capture from a response record, or a revisit and the response it refers to."""
    revisit = info.rec_type == "revisit"
    not_modified = revisit and (info.status == 304 or info.profile == PROFILE_NOT_MODIFIED)
    source = payload_info if not_modified else info
    headers = _headers_dict(source.http_headers)
    status = source.status if source.status is not None else 0
    encoding = _headers_dict(payload_info.http_headers).get("content-encoding")
    try:
        body = decode_body(payload, encoding)
    except Exception as exc:
        logger.warning("%s: cannot decode %s body (%s); kept as sent", info.url, encoding, exc)
        body = payload
    return Capture(
        url=info.url,
        status=status,
        headers=headers,
        body=body,
        content_type=_mime(headers) or _mime(_headers_dict(payload_info.http_headers)),
        digest=payload_info.digest,
        warc_file=payload_info.warc_file,
        warc_offset=payload_info.warc_offset,
        fetched=info.fetched,
        revisit=revisit,
        record_file=info.warc_file,
        record_offset=info.warc_offset,
        payload_fetched=payload_info.fetched,
        revisit_profile=info.profile if revisit else None,
        portal=info.portal or payload_info.portal,
        cms=info.cms or payload_info.cms,
        truncated=bool(payload_info.truncated),
        raw_body=payload,
    )


class _PayloadLocator:
    """Finds the response record a revisit refers to, among the records seen so far."""

    def __init__(self) -> None:
        self.by_id: dict[str, RecordInfo] = {}
        self.by_url_date: dict[tuple[str, str], RecordInfo] = {}
        self.by_url_digest: dict[tuple[str, str], RecordInfo] = {}

    def add(self, info: RecordInfo) -> None:
        self.by_id[info.record_id] = info
        self.by_url_date[(info.url, info.date)] = info
        if info.digest:
            self.by_url_digest[(info.url, info.digest)] = info

    def find(self, revisit: RecordInfo) -> RecordInfo | None:
        if revisit.refers_to and revisit.refers_to in self.by_id:
            return self.by_id[revisit.refers_to]
        uri = revisit.refers_to_uri or revisit.url
        if revisit.refers_to_date and (uri, revisit.refers_to_date) in self.by_url_date:
            return self.by_url_date[(uri, revisit.refers_to_date)]
        if revisit.digest:
            return self.by_url_digest.get((uri, revisit.digest))
        return None


def iter_captures(warc_dir: str | Path) -> Iterator[Capture]:
    """Yield every archived response in capture order, revisits resolved to their payload."""
    warc_dir = Path(warc_dir)
    locator = _PayloadLocator()
    problems = _Problems()
    for path in warc_files(warc_dir):
        for info, payload in _iter_file(path, keep_payload=True, problems=problems):
            if info.rec_type == "response" and info.status is not None:
                locator.add(info)
                yield _capture(info, info, payload or b"")
            elif info.rec_type == "revisit":
                target = locator.find(info)
                if target is None:
                    logger.warning(
                        "%s: revisit of %s refers to no archived response", path.name, info.url
                    )
                    continue
                try:
                    _, target_payload = read_record(warc_dir / target.warc_file, target.warc_offset)
                except (OSError, ArchiveError) as exc:
                    logger.warning("%s: cannot read the payload of a revisit: %s", info.url, exc)
                    continue
                yield _capture(info, target, target_payload)


def latest_positions(
    warc_dir: str | Path, *, ok_only: bool = False
) -> dict[str, tuple[RecordInfo, RecordInfo]]:
    """Map each URL to its latest capture record and the response record holding its payload."""
    locator = _PayloadLocator()
    latest: dict[str, tuple[RecordInfo, RecordInfo]] = {}
    for info in iter_records(Path(warc_dir)):
        if info.rec_type == "response" and info.status is not None:
            locator.add(info)
            target = info
        elif info.rec_type == "revisit":
            found = locator.find(info)
            if found is None:
                continue
            target = found
        else:
            continue
        effective = target.status if info.status == 304 else info.status
        if ok_only and effective != 200:
            continue
        latest[info.url] = (info, target)
    return latest


def read_capture(warc_dir: str | Path, position: tuple[RecordInfo, RecordInfo]) -> Capture | None:
    """The capture at a position of `latest_positions`, or None (logged) when unreadable."""
    info, target = position
    try:
        _, payload = read_record(Path(warc_dir) / target.warc_file, target.warc_offset)
    except (OSError, ArchiveError) as exc:
        logger.warning("%s: cannot read its payload: %s", info.url, exc)
        return None
    return _capture(info, target, payload)


def latest_captures(warc_dir: str | Path, *, ok_only: bool = False) -> Iterator[Capture]:
    """Yield the latest capture of each URL, sorted by URL; `ok_only` considers 200 answers only."""
    latest = latest_positions(warc_dir, ok_only=ok_only)
    for url in sorted(latest):
        capture = read_capture(warc_dir, latest[url])
        if capture is not None:
            yield capture


def capture_at(warc_dir: str | Path, warc_file: str, warc_offset: int) -> Capture:
    """Return the capture whose response record is at `warc_file`/`warc_offset` (as records cite it)."""
    info, payload = read_record(Path(warc_dir) / warc_file, warc_offset)
    if info.rec_type != "response":
        raise ArchiveError(f"{warc_file}@{warc_offset}: a {info.rec_type} record, not a response")
    return _capture(info, info, payload)


# portals


def portal_for(url: str, registry: dict[str, Portal] | None = None) -> str:
    """Return the portal id of `url` from the registry (`scraper.portals.load_registry`), else its host."""
    from scraper.portals import portal_for_url

    return portal_for_url(url, registry or {})


# re-parsing

Parser = Callable[..., dict[str, Any]]


@dataclass
class ReparseStats:
    """Counts of one re-parse run."""

    captures: int = 0
    records: int = 0
    listings: int = 0
    skipped: int = 0
    errors: int = 0


def looks_like_html(capture: Capture) -> bool:
    """Whether a capture is an HTML page, by Content-Type or, without one, by its first bytes."""
    if capture.content_type is not None:
        return capture.is_html
    head = capture.body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def reparse_records(
    warc_dir: str | Path,
    registry: dict[str, Portal] | None = None,
    *,
    parse: Parser | None = None,
    stats: ReparseStats | None = None,
    progress: Callable[[ReparseStats], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield a record per URL from its latest 200 HTML capture (in capture URL order), with today's parsers.

    `portal` comes from the capture (the crawl's portal) or the registry; `cms` likewise, so a
    per-portal parser override is kept. Listings, non-HTML captures and parse errors are counted
    in `stats`, not yielded.
    """
    from scraper.attachment_records import add_attachment_refs
    from scraper.record import RECORD_FIELDS, empty_record

    if parse is None:
        from scraper.parsers import parse_page as parse
    from scraper.parsers import ParseError

    stats = stats if stats is not None else ReparseStats()
    registry = registry or {}
    positions = latest_positions(warc_dir, ok_only=True)
    extracted: dict[str, dict[str, Any]] = {}
    for url in sorted(positions):
        capture = read_capture(warc_dir, positions[url])
        if capture is None:
            continue
        stats.captures += 1
        if progress is not None:
            progress(stats)
        if not looks_like_html(capture):
            stats.skipped += 1
            continue
        portal = capture.portal or portal_for(capture.url, registry)
        entry = registry.get(portal)
        cms = capture.cms or (entry.cms if entry is not None else None)
        try:
            parsed = parse(capture.url, capture.body, cms=cms, portal=portal)
        except ParseError as exc:
            stats.errors += 1
            logger.info("%s: not parsed: %s", capture.url, exc)
            continue
        except Exception:
            stats.errors += 1
            logger.exception("%s: parser failed", capture.url)
            continue
        if parsed.get("kind") == "listing":
            stats.listings += 1
            continue
        url = parsed.get("url") or capture.url  # the parser's canonical URL, as the crawl keeps it
        record = empty_record(url)
        record.update({key: value for key, value in parsed.items() if key in RECORD_FIELDS})
        record.update(
            url=url,
            portal=portal,
            fetched=capture.payload_fetched,
            digest=capture.digest,
            warc_file=capture.warc_file,
            warc_offset=capture.warc_offset,
        )
        if record.get("attachments"):
            record["attachments"] = [
                _reextract(warc_dir, positions, dict(a), extracted) for a in record["attachments"]
            ]
            add_attachment_refs(record)
        stats.records += 1
        yield record


def _reextract(
    warc_dir: str | Path,
    positions: dict[str, tuple[RecordInfo, RecordInfo]],
    attachment: dict[str, Any],
    extracted: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """An attachment entry with its text extracted again from the archived file."""
    from scraper.attachment_records import attachment_entry

    url = attachment.get("url") or ""
    if url not in extracted:
        capture = read_capture(warc_dir, positions[url]) if url in positions else None
        if capture is None:
            extracted[url] = attachment_entry(attachment, None, missing="not archived")
        else:
            extracted[url] = attachment_entry(
                attachment, capture.body, content_type=capture.content_type or ""
            )
    return {**extracted[url], "url": url, "title": attachment.get("title")}
