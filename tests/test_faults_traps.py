"""Crawler-trap defences and the portal boundary, with hand-made requests and responses."""

from __future__ import annotations

from typing import Any

import pytest
import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from scraper.traps import (
    CrawlerTrapMiddleware,
    PortalBoundaryMiddleware,
    calendar_family,
    canonical_url,
    page_number,
    query_family,
)

BASE = "https://trangbang.tayninh.gov.vn"


class PortalSpider(scrapy.Spider):
    name = "portal"
    start_url = BASE + "/"


def middleware(**settings: Any) -> CrawlerTrapMiddleware:
    crawler = get_crawler(PortalSpider, settings_dict=settings)
    crawler.spider = PortalSpider()
    return CrawlerTrapMiddleware.from_crawler(crawler)


def urls(result: Any) -> list[str]:
    return [r.url for r in result if isinstance(r, scrapy.Request)]


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (f"{BASE}/tin-tuc/?PHPSESSID=abc123", f"{BASE}/tin-tuc/"),
        (f"{BASE}/gioi-thieu/;jsessionid=0A1B2C3D", f"{BASE}/gioi-thieu/"),
        (f"{BASE}/a/?sid=0123456789abcdef0123&page=2", f"{BASE}/a/?page=2"),
        (f"{BASE}/a/?sid=5", f"{BASE}/a/?sid=5"),  # a short sid is content, kept
        (
            "HTTP://TrangBang.TayNinh.gov.vn:80/x.html#top",
            f"{BASE.replace('https', 'http')}/x.html",
        ),
        (f"{BASE}/index.php?language=vi&nv=news&op=a-1.html", None),
    ],
)
def test_canonical_url_drops_session_ids_only(url: str, canonical: str | None) -> None:
    assert canonical_url(url) == (canonical or url)


def test_page_numbers_and_families() -> None:
    assert page_number(f"{BASE}/tin-tuc/page-7/") == ("trangbang.tayninh.gov.vn/tin-tuc/?", 7)
    assert page_number(f"{BASE}/van-ban/?trang=3&linh-vuc=2")[1] == 3
    assert page_number(f"{BASE}/tin-tuc/bai-viet-7.html") is None


def test_calendar_detection() -> None:
    assert calendar_family(f"{BASE}/lich-cong-tac/2021-01/")[1] == [2021]
    assert calendar_family(f"{BASE}/lich/?nam=2021&thang=2") is not None
    assert calendar_family(f"{BASE}/tin-tuc/tam-nhin-2050-5-nam-345.html") is None
    assert calendar_family(f"{BASE}/tin-tuc/a/?id=2021") is None


def test_query_family_sets_content_keys_aside() -> None:
    assert query_family(f"{BASE}/index.php?nv=news&op=a-1.html") is None
    family, variant = query_family(f"{BASE}/tra-cuu/?sap-xep=moi&nam=2021")
    assert family.endswith("/tra-cuu/?") and variant == "nam=2021&sap-xep=moi"


def test_an_endless_calendar_is_cut() -> None:
    mw = middleware(TRAP_MAX_CALENDAR_PAGES=5)
    months = [f"{BASE}/lich-cong-tac/20{y:02d}-{m:02d}/" for y in (20, 21) for m in range(1, 13)]
    kept = urls(mw.process_spider_output(None, [scrapy.Request(u) for u in months]))
    assert len(kept) == 5
    assert mw.crawler.stats.get_value("traps/dropped/calendar") == 19


def test_calendar_years_out_of_range_are_dropped() -> None:
    mw = middleware()
    far = [scrapy.Request(f"{BASE}/lich/{y}-01/") for y in (1899, 1989, 2999)]
    assert urls(mw.process_spider_output(None, far)) == []


def test_pagination_that_repeats_itself_is_cut() -> None:
    mw = middleware(TRAP_EMPTY_PAGES=3)
    followed = []
    for n in range(2, 30):
        response = HtmlResponse(f"{BASE}/thong-bao/page-{n}/", body=b"<html></html>")
        out = [
            scrapy.Request(f"{BASE}/thong-bao/page-{n + 1}/"),
            scrapy.Request(f"{BASE}/tin-tuc/a/bai-1.html"),  # the same two articles each time
            scrapy.Request(f"{BASE}/tin-tuc/a/bai-2.html"),
        ]
        kept = urls(mw.process_spider_output(response, out))
        followed += [u for u in kept if "/thong-bao/" in u]
    assert len(followed) <= 4


def test_real_pagination_of_known_articles_is_walked_to_the_end() -> None:
    mw = middleware(TRAP_EMPTY_PAGES=3)
    seen_before = [scrapy.Request(f"{BASE}/tin-tuc/a/bai-{i}.html") for i in range(200)]
    list(mw.process_spider_output(None, seen_before))  # as from a sitemap
    followed = 0
    for n in range(2, 21):
        response = HtmlResponse(f"{BASE}/tin-tuc/page-{n}/", body=b"<html></html>")
        out = [scrapy.Request(f"{BASE}/tin-tuc/page-{n + 1}/")]
        out += [scrapy.Request(f"{BASE}/tin-tuc/a/bai-{10 * n + i}.html") for i in range(10)]
        followed += sum("/page-" in u for u in urls(mw.process_spider_output(response, out)))
    assert followed == 19


def test_query_permutations_are_bounded() -> None:
    mw = middleware(TRAP_MAX_QUERY_VARIANTS=10)
    out = [
        scrapy.Request(f"{BASE}/tra-cuu/?sap-xep={i}&loai={j}")
        for i in range(10)
        for j in range(10)
    ]
    assert len(urls(mw.process_spider_output(None, out))) == 10


def test_repeated_segments_and_huge_urls_are_dropped() -> None:
    mw = middleware()
    out = [
        scrapy.Request(f"{BASE}/a/b/a/b/a/b/"),
        scrapy.Request(f"{BASE}/tin-tuc/{'x' * 600}.html"),
        scrapy.Request(f"{BASE}/tin-tuc/a/bai-1.html"),
    ]
    assert urls(mw.process_spider_output(None, out)) == [f"{BASE}/tin-tuc/a/bai-1.html"]


def test_items_pass_untouched() -> None:
    mw = middleware()
    item = {"url": f"{BASE}/x.html"}
    assert list(mw.process_spider_output(None, [item])) == [item]


def boundary(start: str) -> PortalBoundaryMiddleware:
    spider_class = type("S", (scrapy.Spider,), {"name": "s", "start_url": start})
    crawler = get_crawler(spider_class)
    crawler.spider = spider_class()
    return PortalBoundaryMiddleware.from_crawler(crawler)


def test_another_port_of_the_portal_host_is_refused() -> None:
    mw = boundary("http://127.0.0.1:8080/")
    assert mw.process_request(scrapy.Request("http://127.0.0.1:8080/tin-tuc/")) is None
    with pytest.raises(IgnoreRequest):
        mw.process_request(scrapy.Request("http://127.0.0.1:9090/tin-tuc/"))
    with pytest.raises(IgnoreRequest):
        mw.process_request(scrapy.Request("http://127.0.0.1/tin-tuc/"))
    # another host is the OffsiteMiddleware's business
    assert mw.process_request(scrapy.Request("http://example.org:9090/")) is None


def test_http_and_https_of_a_portal_are_one_portal() -> None:
    mw = boundary(BASE + "/")
    assert mw.process_request(scrapy.Request("http://trangbang.tayninh.gov.vn/a/")) is None
    with pytest.raises(IgnoreRequest):
        mw.process_request(scrapy.Request("https://trangbang.tayninh.gov.vn:8443/a/"))


def test_a_redirect_to_a_session_url_is_canonicalised() -> None:
    mw = boundary(BASE + "/")
    again = mw.process_request(scrapy.Request(f"{BASE}/tin-tuc/;jsessionid=ABCDEF0123"))
    assert again is not None and again.url == f"{BASE}/tin-tuc/"
