"""`join_url` resolves links exactly as `urldefrag(urljoin(base, href))` does."""

from __future__ import annotations

from urllib.parse import urldefrag, urljoin

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.parsers.base import join_url, without_redirect
from scraper.parsers.generic import is_attachment_url

BASES = [
    "https://thanhpho.tayninh.gov.vn/tin-tuc/a-1.html",
    "http://www.a.gov.vn:8080/vi/news/?op=x#top",
    "HTTP://User@A.gov.vn/dir/",
    "file:///work/pages/input.html",
    "file:///work/pages/",
    "file://nas/share/trang.html",
    "file:/work/pages/a/input.html",
    "file:input.html",
    "FILE:///C:/Users/x/trang%20luu.html",
    "https://[::1]/x",
    "http://[bad/x",
    "ftp://a.vn/b",
    "mailto:x@y.vn",
    "http://a.gov.vn",
    "http://a.gov.vn/x//y/./z;p",
    "http://a.gov.vn/tintuc/chitiet.php?id=215",
    "",
]
PIECES = [
    "http://", "https://", "HTTP://", "/", "//", ".", "..", "/./", "/../", "?", "#", ";", "a",
    "b.html", "x=1", "&", "%20", " ", "\t", "\n", "[", "]", ":", "@", "~", "đ", "\\", "www.a.vn",
    "a.gov.vn:80", "tin-tuc", "-", "_", "danhsach.php", "?id=1",
]  # fmt: skip


def _expected(base: str, href: str) -> str | type[ValueError]:
    try:
        return urldefrag(urljoin(base, href)).url
    except ValueError:
        return ValueError


def _actual(base: str, href: str) -> str | type[ValueError]:
    try:
        return join_url(base, href)
    except ValueError:
        return ValueError


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(BASES), st.lists(st.sampled_from(PIECES), max_size=8))
def test_join_url_is_urljoin(base: str, pieces: list[str]) -> None:
    href = "".join(pieces)
    assert _actual(base, href) == _expected(base, href)


def test_join_url_plain_links() -> None:
    base = "https://a.gov.vn/tin-tuc/x-1.html"
    for href in ("/tin-tuc/b-2.html?x=1", "https://b.gov.vn", "http://a.gov.vn/p?", "/a/../b", "c"):
        assert join_url(base, href) == urldefrag(urljoin(base, href)).url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.gov.vn/tin/-/asset_publisher/X1/content/bai-viet?redirect=https%3A%2F%2Fa",
         "https://a.gov.vn/tin/-/asset_publisher/X1/content/bai-viet"),
        ("https://a.gov.vn/x?p_p_id=1&_101_INSTANCE_X1_redirect=%2Ftin&inheritRedirect=true#top",
         "https://a.gov.vn/x?p_p_id=1#top"),
        ("https://a.gov.vn/x?redirectUrl=1", "https://a.gov.vn/x?redirectUrl=1"),
        ("https://a.gov.vn/x?id=5", "https://a.gov.vn/x?id=5"),
        ("https://a.gov.vn/x", "https://a.gov.vn/x"),
    ],
)  # fmt: skip
def test_without_redirect_drops_only_where_to_go_back(url: str, expected: str) -> None:
    assert without_redirect(url) == expected


@pytest.mark.parametrize(
    ("url", "attachment"),
    [
        ("https://a.gov.vn/getattachment/3f6b2c1e-8d47/KH-2345-nam-hoc-2021.aspx", True),
        ("https://a.gov.vn/getattachment/3f6b2c1e-8d47/bao-cao.pdf.aspx", True),
        ("https://a.gov.vn/getattachment/3f6b2c1e-8d47/anh-hoi-nghi.jpg.aspx", False),
        ("https://a.gov.vn/tin-tuc/hoi-nghi.aspx", False),
    ],
)
def test_kentico_attachments_are_files_but_not_pictures(url: str, attachment: bool) -> None:
    assert is_attachment_url(url) is attachment


@pytest.mark.parametrize(
    ("url", "attachment"),
    [
        ("https://a.gov.vn/Handler/DownloadFile.ashx?fileID=52871&name=12_2024_NQ-HDND.docx", True),
        ("https://a.gov.vn/download.aspx?file=bao%20cao%20nam.PDF", True),
        ("https://a.gov.vn/VanBan/XemVanBan.aspx?ID=18342&f=52870", False),
        ("https://a.gov.vn/tin-tuc.aspx?ref=bao-cao.pdf.html", False),
    ],
)
def test_download_handlers_named_with_their_file_are_attachments(
    url: str, attachment: bool
) -> None:
    assert is_attachment_url(url) is attachment
