"""A selector skipped by the page's marks (`base.needs`) is one that would have selected nothing."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scraper.parsers.listing  # noqa: F401  (its selectors are noted at import)
from scraper.parsers import base, registry

registry.available_parsers()  # every family's selectors noted too
PAGES = sorted((Path(__file__).parent / "fixtures" / "pages").glob("*/input.html"))
NEEDED = sorted(base._NEEDS.items())
FRAGMENTS = sorted({alternative for _, alternatives in NEEDED for alternative in alternatives})


def _same_as_a_full_scan(doc: base.etree._Element) -> None:
    marks = base.page_marks(doc)
    for xpath, alternatives in NEEDED:
        scanned = base.compiled_xpath(xpath)(doc)
        assert base.select(doc, xpath) == scanned, (xpath, alternatives)
        if scanned:
            assert any(marks.has(kind, fragment) for kind, fragment in alternatives), xpath


def test_every_selector_has_its_marks() -> None:
    assert len(NEEDED) >= 60
    assert {kind for kind, _ in FRAGMENTS} == {"class", "id", "id-prefix", *base.RESOURCE_KINDS}


@pytest.mark.parametrize("page", PAGES, ids=[p.parent.name for p in PAGES])
def test_marks_skip_only_what_a_scan_would_not_find_on_a_golden_page(page: Path) -> None:
    _same_as_a_full_scan(base.load_html(page.read_bytes()))


def _element(kind: str, value: str) -> str:
    value = html.escape(value)
    return {
        "class": f'<div class="{value}"><p>Nội dung</p></div>',
        "id": f'<div id="{value}"><span>Tin</span></div>',
        "id-prefix": f'<div id="{value}"></div>',
        "src": f'<script src="{value}"></script>',
        "script": f"<script>var a = '{value}';</script>",
        "href": f'<link rel="stylesheet" href="{value}">',
        "content": f'<meta name="x" content="{value}">',
        "name": f'<input type="hidden" name="{value}">',
    }[kind]


_VALUES = st.builds(
    lambda parts, sep: sep.join(parts),
    st.lists(
        st.one_of(
            st.sampled_from([f for _, f in FRAGMENTS]),
            st.sampled_from([f.upper() for _, f in FRAGMENTS]),
            st.sampled_from([f[:-1] for _, f in FRAGMENTS if len(f) > 2]),
            st.sampled_from(["", "x", "-", "a b", "\t", "đ", "news", "law"]),
        ),
        max_size=3,
    ),
    st.sampled_from(["", " ", "  ", "\n", "_", "-"]),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(sorted({k for k, _ in FRAGMENTS})), _VALUES),
        min_size=1,
        max_size=12,
    )
)
def test_marks_skip_only_what_a_scan_would_not_find(elements: list[tuple[str, str]]) -> None:
    # values from the selectors' own fragments: whole, cut short, upper case, run together
    head = "".join(_element(k, v) for k, v in elements if k in ("href", "content"))
    body = "".join(_element(k, v) for k, v in elements if k not in ("href", "content"))
    page = f"<html><head><title>Trang</title>{head}</head><body>{body}</body></html>"
    _same_as_a_full_scan(base.load_html(page))
