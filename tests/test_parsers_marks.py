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


# ---- class alternatives pruned per page (`base.prune_classes`) --------------------------------


def _selectors() -> list[str]:
    """Every selector of the parser modules: module constants, and those asked on golden pages."""
    import importlib
    import pkgutil

    import scraper.parsers as package
    from scraper.parsers import parse_page

    found: set[str] = set()
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"scraper.parsers.{info.name}")
        for value in vars(module).values():
            values = value if isinstance(value, (tuple, list, frozenset)) else (value,)
            found.update(v for v in values if isinstance(v, str) and "@class" in v)
    asked: list[str] = []
    original = base.prune_classes

    def recording(xpath: str, classes: str) -> str:
        asked.append(xpath)
        return original(xpath, classes)

    base.prune_classes = recording  # type: ignore[assignment]
    try:
        for page in PAGES:
            meta = page.parent / "meta.json"
            parse_page(__import__("json").loads(meta.read_text())["url"], page.read_bytes())
    finally:
        base.prune_classes = original  # type: ignore[assignment]
    found.update(asked)
    return sorted(x for x in found if base.class_alternatives(x))


PRUNABLE = _selectors()
CLASS_FRAGMENTS = sorted(
    {f for x in PRUNABLE for _, _, ops in base.class_alternatives(x) for _, f in ops}
)


def _pruned_same_as_whole(doc: base.etree._Element) -> None:
    classes = base.PageMarks(doc).classes
    for xpath in PRUNABLE:
        pruned = base.prune_classes(xpath, classes)
        assert base.compiled_xpath(pruned)(doc) == base.compiled_xpath(xpath)(doc), (xpath, pruned)


def test_class_alternatives_are_found_and_pruned() -> None:
    assert len(PRUNABLE) >= 30
    xpath = "//*[contains(@class, 'sapo') or contains(@class, 'lead')]//a[@title='[x]']"
    assert (
        base.prune_classes(xpath, "news lead") == "//*[contains(@class, 'lead')]//a[@title='[x]']"
    )
    assert base.prune_classes(xpath, "menu") == "//*[false()]//a[@title='[x]']"
    assert base.prune_classes(xpath, "sapo leading") == xpath
    has = base.has_class("breadcrumb")
    both = f"//ul[{has} or contains(@class, 'path')]/li"
    assert base.prune_classes(both, "top-breadcrumb") == f"//ul[{has}]/li"
    # a predicate that also tests anything else is left whole
    mixed = "//div[contains(@class, 'sapo') or @id='sapo']"
    assert base.prune_classes(mixed, "x") == mixed


@pytest.mark.parametrize("page", PAGES, ids=[p.parent.name for p in PAGES])
def test_pruned_selectors_select_the_same_on_a_golden_page(page: Path) -> None:
    _pruned_same_as_whole(base.load_html(page.read_bytes()))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["div", "ul", "span", "p", "h1", "li"]),
            st.lists(
                st.one_of(
                    st.sampled_from(CLASS_FRAGMENTS),
                    st.sampled_from([f[1:] for f in CLASS_FRAGMENTS if len(f) > 2]),
                    st.sampled_from(["", "x", "news", "a-b"]),
                ),
                max_size=3,
            ).map(" ".join),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_pruned_selectors_select_the_same(elements: list[tuple[str, str]]) -> None:
    body = "".join(
        f'<{tag} class="{html.escape(cls)}"><a href="/tin-{i}.html">Tin {i}</a><li>Mục</li></{tag}>'
        for i, (tag, cls) in enumerate(elements)
    )
    _pruned_same_as_whole(base.load_html(f"<html><body>{body}</body></html>"))
