"""WarcCapture: every downloaded response into gzip WARC 1.1 files, revisits for unchanged pages."""

from __future__ import annotations

import itertools
import logging
import os
import socket
import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper.archive import (
    CMS_HEADER,
    PORTAL_HEADER,
    PROFILE_IDENTICAL_PAYLOAD,
    PROFILE_NOT_MODIFIED,
    payload_digest,
)
from scraper.capture_index import CaptureIndex, CaptureRow, capture_index_path

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

META_KEY = "warc_capture"
DEFAULT_MAX_SIZE = 100 * 1024 * 1024
DEFAULT_MAX_RESPONSE_SIZE = 50 * 1024 * 1024
# one sequence per process: several crawlers in one run (one per portal) never share a file name
_FILE_SEQUENCE = itertools.count()
_DROPPED_RESPONSE_HEADERS = frozenset({b"transfer-encoding"})


def _warc_date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _fetched(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _software_version() -> str:
    try:
        from importlib.metadata import version

        return version("govarchive")
    except Exception:
        return "0"


class WarcCapture:
    """Write every downloaded response, as the server sent it, to `WARC_DIR` (on `response_downloaded`)."""

    def __init__(
        self,
        crawler: Crawler,
        warc_dir: Path,
        *,
        index_path: Path,
        max_size: int = DEFAULT_MAX_SIZE,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        revisits: bool = True,
    ) -> None:
        self.crawler = crawler
        self.warc_dir = warc_dir
        self.max_size = max_size
        self.max_response_size = max_response_size
        self.revisits = revisits
        self.warc_dir.mkdir(parents=True, exist_ok=True)
        fresh_index = not index_path.exists()
        self.index = CaptureIndex(index_path)
        if fresh_index and any(self.warc_dir.glob("*.warc.gz")):
            count = self.index.rebuild_from_warcs(self.warc_dir)
            logger.info("Capture index rebuilt from %s: %d URLs", self.warc_dir, count)
        self._file: IO[bytes] | None = None
        self._writer: WARCWriter | None = None
        self._file_name = ""
        self._warcinfo_id = ""
        self._hostname = socket.gethostname()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCapture:
        """Build from settings `WARC_DIR`, `WARC_MAX_SIZE`, `WARC_MAX_RESPONSE_SIZE`, `CAPTURE_INDEX_PATH`."""
        settings = crawler.settings
        warc_dir = settings.get("WARC_DIR")
        if not warc_dir:
            raise NotConfigured("WARC_DIR is not set")
        ext = cls(
            crawler,
            Path(warc_dir),
            index_path=capture_index_path(warc_dir, settings.get("CAPTURE_INDEX_PATH")),
            max_size=settings.getint("WARC_MAX_SIZE", DEFAULT_MAX_SIZE),
            max_response_size=settings.getint("WARC_MAX_RESPONSE_SIZE", DEFAULT_MAX_RESPONSE_SIZE),
            revisits=settings.getbool("WARC_REVISITS", True),
        )
        crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    # signals

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        """Capture `response` and stash where it went in `request.meta["warc_capture"]`."""
        try:
            request.meta[META_KEY] = self.capture(response, request, spider)
        except Exception:
            logger.exception("WARC capture failed for %s", response.url)
            # a half-written record must stay the last one of its file: readers stop at it
            self._close_file()
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("warc/errors")

    def spider_closed(self, spider: Spider) -> None:
        """Close the current WARC file and the capture index."""
        self._close_file()
        self.index.close()

    # capture

    def capture(
        self, response: Response, request: Request, spider: Spider | None
    ) -> dict[str, Any]:
        """Write `response` (and its request) as records; return the `warc_capture` meta dict."""
        moment = datetime.now(UTC)
        url = response.url
        body = response.body
        digest = payload_digest(body)
        previous = self.index.get(url)
        self._ensure_file(spider)

        extra = self._extra_headers(request, spider)
        http_headers = self._response_headers(response)
        response_id = self._new_id()
        request_id = self._new_id()
        common = {
            "WARC-Record-ID": response_id,
            "WARC-Date": _warc_date(moment),
            "WARC-Warcinfo-ID": self._warcinfo_id,
            "WARC-Concurrent-To": request_id,
        }
        if response.ip_address is not None:
            common["WARC-IP-Address"] = str(response.ip_address)
        common.update(extra)

        payload_row = previous if previous and previous.warc_file and previous.record_id else None
        if response.status == 304 and payload_row is not None:
            record = self._writer.create_warc_record(
                url, "revisit", http_headers=http_headers, warc_headers_dict=dict(common)
            )
            _add_refers_to(record, PROFILE_NOT_MODIFIED, payload_row)
            if payload_row.digest:
                record.rec_headers.replace_header("WARC-Payload-Digest", payload_row.digest)
            revisit_profile = "not-modified"
        elif (
            self.revisits
            and body
            and payload_row is not None
            and payload_row.digest == digest
            and "partial" not in response.flags
        ):
            record = self._writer.create_warc_record(
                url, "revisit", http_headers=http_headers, warc_headers_dict=dict(common)
            )
            _add_refers_to(record, PROFILE_IDENTICAL_PAYLOAD, payload_row)
            record.rec_headers.replace_header("WARC-Payload-Digest", digest)
            revisit_profile = "identical"
        else:
            stored = body
            if len(stored) > self.max_response_size:
                stored = stored[: self.max_response_size]
                common["WARC-Truncated"] = "length"
            elif "dataloss" in response.flags:
                common["WARC-Truncated"] = "disconnect"
            if stored is not body:
                digest = payload_digest(stored)
            common["WARC-Payload-Digest"] = digest
            record = self._writer.create_warc_record(
                url,
                "response",
                payload=BytesIO(stored),
                length=len(stored),
                http_headers=http_headers,
                warc_headers_dict=dict(common),
            )
            revisit_profile = ""

        offset = self._file.tell()
        self._writer.write_record(record)
        self._write_request(request, url, request_id, response_id, common["WARC-Date"], extra)
        self._file.flush()

        fetched = _fetched(moment)
        etag = _header(response, b"ETag")
        last_modified = _header(response, b"Last-Modified")
        if revisit_profile == "not-modified":
            assert payload_row is not None
            self.index.record(
                url,
                status=payload_row.status,
                digest=payload_row.digest,
                fetched=fetched,
                etag=etag or payload_row.etag,
                last_modified=last_modified or payload_row.last_modified,
                warc_file=payload_row.warc_file,
                warc_offset=payload_row.warc_offset,
                record_id=payload_row.record_id,
                payload_date=payload_row.payload_date,
                revisit=True,
            )
            digest = payload_row.digest or digest
        elif revisit_profile == "identical":
            assert payload_row is not None
            self.index.record(
                url,
                status=response.status,
                digest=digest,
                fetched=fetched,
                etag=etag,
                last_modified=last_modified,
                warc_file=payload_row.warc_file,
                warc_offset=payload_row.warc_offset,
                record_id=payload_row.record_id,
                payload_date=payload_row.payload_date,
                revisit=True,
            )
        else:
            self.index.record(
                url,
                status=response.status,
                digest=digest,
                fetched=fetched,
                etag=etag,
                last_modified=last_modified,
                warc_file=self._file_name,
                warc_offset=offset,
                record_id=response_id,
                payload_date=common["WARC-Date"],
                revisit=False,
            )

        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value("warc/records")
            stats.inc_value(f"warc/{'revisit' if revisit_profile else 'response'}")
            stats.inc_value("warc/bytes_payload", len(body))
        if payload_row is not None and revisit_profile:
            payload_file, payload_offset = payload_row.warc_file, payload_row.warc_offset
        else:
            payload_file, payload_offset = self._file_name, offset
        return {
            "warc_file": payload_file,
            "warc_offset": payload_offset,
            "record_file": self._file_name,
            "record_offset": offset,
            "digest": digest,
            "fetched": fetched,
            "revisit": bool(revisit_profile),
            "revisit_profile": revisit_profile or None,
            "status": response.status,
        }

    def _write_request(
        self,
        request: Request,
        url: str,
        request_id: str,
        response_id: str,
        date: str,
        extra: dict[str, str],
    ) -> None:
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, values in request.headers.items()
            for v in values
        ]
        if not any(name.lower() == "host" for name, _ in headers):
            headers.insert(0, ("Host", parts.netloc))
        http_headers = StatusAndHeaders(
            f"{request.method} {target} HTTP/1.1", headers, is_http_request=True
        )
        body = request.body or b""
        record = self._writer.create_warc_record(
            url,
            "request",
            payload=BytesIO(body),
            length=len(body),
            http_headers=http_headers,
            warc_headers_dict={
                "WARC-Record-ID": request_id,
                "WARC-Date": date,
                "WARC-Warcinfo-ID": self._warcinfo_id,
                "WARC-Concurrent-To": response_id,
                **extra,
            },
        )
        self._writer.write_record(record)

    def _response_headers(self, response: Response) -> StatusAndHeaders:
        protocol = response.protocol or "HTTP/1.1"
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, values in response.headers.items()
            if k.lower() not in _DROPPED_RESPONSE_HEADERS
            for v in values
        ]
        return StatusAndHeaders(f"{response.status} {reason}".strip(), headers, protocol=protocol)

    @staticmethod
    def _extra_headers(request: Request, spider: Spider | None) -> dict[str, str]:
        extra: dict[str, str] = {}
        portal = request.meta.get("portal") or getattr(spider, "portal", None)
        if isinstance(portal, str) and portal:
            extra[PORTAL_HEADER] = portal
        cms = request.meta.get("cms") or getattr(spider, "cms", None)
        if isinstance(cms, str) and cms:
            extra[CMS_HEADER] = cms
        return extra

    @staticmethod
    def _new_id() -> str:
        return f"<urn:uuid:{uuid.uuid4()}>"

    # files

    def _ensure_file(self, spider: Spider | None) -> None:
        if self._file is not None and self._file.tell() < self.max_size:
            return
        self._close_file()
        moment = datetime.now(UTC)
        name = (
            f"govarchive-{moment.strftime('%Y%m%d%H%M%S')}{moment.microsecond // 1000:03d}"
            f"-{next(_FILE_SEQUENCE):05d}-{os.getpid()}.warc.gz"
        )
        path = self.warc_dir / name
        self._file = open(path, "xb")  # kept open across callbacks, closed on rotation
        self._file_name = name
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        info = self._warcinfo(spider)
        record = self._writer.create_warcinfo_record(name, info)
        self._warcinfo_id = record.rec_headers.get_header("WARC-Record-ID")
        self._writer.write_record(record)
        self._file.flush()
        logger.info("Writing WARC file %s", path)

    def _warcinfo(self, spider: Spider | None) -> dict[str, str]:
        settings = self.crawler.settings
        robots = "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore"
        info = {
            "software": f"govarchive/{_software_version()} Scrapy/{scrapy.__version__}",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": self._hostname,
            "operator": settings.get("WARC_OPERATOR") or "",
            "http-header-user-agent": settings.get("USER_AGENT") or "",
            "robots": robots,
        }
        if spider is not None:
            info["isPartOf"] = spider.name
            portal = getattr(spider, "portal", None)
            if isinstance(portal, str) and portal:
                info["govarchive-portal"] = portal
        return info

    def _close_file(self) -> None:
        if self._file is not None:
            handle, self._file, self._writer = self._file, None, None
            try:
                handle.close()
            except OSError:
                logger.exception("cannot close WARC file %s", self._file_name)


def _add_refers_to(record: Any, profile: str, row: CaptureRow) -> None:
    headers = record.rec_headers
    headers.add_header("WARC-Profile", profile)
    headers.add_header("WARC-Refers-To", row.record_id)
    headers.add_header("WARC-Refers-To-Target-URI", row.url)
    headers.add_header("WARC-Refers-To-Date", row.payload_date)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
