"""ConditionalRequestMiddleware with hand-made requests and responses (no network)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
import scrapy
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError, HttpErrorMiddleware
from scrapy.utils.test import get_crawler

from scraper.capture_index import CaptureIndex
from scraper.extensions.warc import WarcCapture
from scraper.middlewares import ConditionalRequestMiddleware

URL = "https://tayninh.gov.vn/tin-tuc/a-1.html"


def crawler_for(
    tmp_path: Path, spider_cls: type[scrapy.Spider] = scrapy.Spider, **settings: object
):
    values = {"WARC_DIR": str(tmp_path / "warc"), "CONDITIONAL_REQUESTS": True, **settings}
    crawler = get_crawler(spider_cls, settings_dict=values)
    crawler.spider = spider_cls(name="test")
    return crawler


def remember(tmp_path: Path, url: str = URL, status: int = 200, **fields: object) -> None:
    values: dict[str, object] = {
        "digest": "sha1:AAAA",
        "fetched": "2026-11-26T10:00:00Z",
        "etag": '"e1"',
        "last_modified": "Mon, 23 Nov 2026 08:00:00 GMT",
        "warc_file": "govarchive-1.warc.gz",
        "warc_offset": 0,
        "record_id": "<urn:uuid:1>",
        "payload_date": "2026-11-26T10:00:00.000000Z",
        **fields,
    }
    with CaptureIndex(tmp_path / "state" / "captures.sqlite") as index:
        index.record(url, status=status, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "settings",
    [{"CONDITIONAL_REQUESTS": False}, {"WARC_DIR": None}],
    ids=["off", "no-warc-dir"],
)
def test_not_configured(tmp_path: Path, settings: dict) -> None:
    with pytest.raises(NotConfigured):
        ConditionalRequestMiddleware.from_crawler(crawler_for(tmp_path, **settings))


def test_warc_capture_not_configured_without_warc_dir() -> None:
    with pytest.raises(NotConfigured):
        WarcCapture.from_crawler(get_crawler(scrapy.Spider, settings_dict={}))


def test_known_url_gets_validators(tmp_path: Path) -> None:
    remember(tmp_path)
    middleware = ConditionalRequestMiddleware.from_crawler(crawler_for(tmp_path))
    request = scrapy.Request(URL)
    middleware.process_request(request)
    assert request.headers[b"If-None-Match"] == b'"e1"'
    assert request.headers[b"If-Modified-Since"] == b"Mon, 23 Nov 2026 08:00:00 GMT"


@pytest.mark.parametrize(
    ("url", "remembered", "meta"),
    [
        ("https://tayninh.gov.vn/robots.txt", True, {}),
        (URL, False, {}),
        (URL, True, {"dont_revalidate": True}),
    ],
    ids=["robots", "unknown", "opted-out"],
)
def test_no_validators(tmp_path: Path, url: str, remembered: bool, meta: dict) -> None:
    if remembered:
        remember(tmp_path, url)
    middleware = ConditionalRequestMiddleware.from_crawler(crawler_for(tmp_path))
    request = scrapy.Request(url, meta=meta)
    middleware.process_request(request)
    assert b"If-None-Match" not in request.headers
    assert b"If-Modified-Since" not in request.headers


def test_no_validators_when_last_answer_was_not_200(tmp_path: Path) -> None:
    remember(tmp_path, status=404)
    middleware = ConditionalRequestMiddleware.from_crawler(crawler_for(tmp_path))
    request = scrapy.Request(URL)
    middleware.process_request(request)
    assert b"If-None-Match" not in request.headers


class ListingSpider(scrapy.Spider):
    handle_httpstatus_list: ClassVar[list[int]] = [404]


def test_304_reaches_the_spider_marked_not_modified(tmp_path: Path) -> None:
    remember(tmp_path)
    crawler = crawler_for(tmp_path, ListingSpider)
    middleware = ConditionalRequestMiddleware.from_crawler(crawler)
    request = scrapy.Request(URL)
    middleware.process_request(request)
    response = Response(URL, status=304, request=request)
    assert middleware.process_response(request, response) is response
    assert response.meta["not_modified"] is True
    assert sorted(response.meta["handle_httpstatus_list"]) == [304, 404]  # the spider's own kept
    httperror = HttpErrorMiddleware.from_crawler(crawler)
    httperror.process_spider_input(response)  # not raised: it reaches the callback
    other = Response(URL, status=500, request=request)
    with pytest.raises(HttpError):
        httperror.process_spider_input(other)


def test_unsolicited_304_is_left_alone(tmp_path: Path) -> None:
    middleware = ConditionalRequestMiddleware.from_crawler(crawler_for(tmp_path))
    request = scrapy.Request(URL)
    response = Response(URL, status=304, request=request)
    middleware.process_response(request, response)
    assert "not_modified" not in response.meta
