"""Liferay Portal articles: 6.2 (VNPT-built provincial portals) and 7.x asset publisher pages."""

from __future__ import annotations

import copy
import re
from typing import Any

import lxml.html
from lxml import etree

from scraper.parsers import xpaths_liferay as X
from scraper.parsers.base import (
    ArticlePage,
    author_label,
    document_base,
    first_date,
    looks_like_name,
    meta_content,
    page_marks,
    without_redirect,
)
from scraper.parsers.dates import find_dates, parse_vietnamese_date
from scraper.parsers.generic import (
    GenericPage,
    LabelledDocumentPage,
    attachments_in,
    body_parts,
    breadcrumb_category,
    drop,
    first_of,
    memoized,
    property_rows,
    select,
    visible_date_after,
)
from scraper.parsers.listing import is_listing
from scraper.parsers.text import fold_accents, normalize_text, styled_paragraphs, text_of

__all__ = ["CMS_NAME", "LiferayArticlePage", "LiferayDisplayPage", "detect", "is_liferay", "parse"]

CMS_NAME = "liferay"


def is_liferay(doc: lxml.html.HtmlElement) -> bool:
    """Return True if `doc` was rendered by Liferay Portal (its scripts, portlet ids)."""
    marks = page_marks(doc)
    return any(marks.matches(xpath) for xpath in X.LIFERAY_MARKUP)


def detect(doc: lxml.html.HtmlElement, url: str) -> bool:
    """Return True for a Liferay article page (full asset view or an article URL)."""
    if not is_liferay(doc):
        return False
    if select(doc, X.ARTICLE_ROOTS[0]):
        return True
    if not X.DETAIL_URL.search(url):
        return False
    # an article's address: its journal content, or a display page built of fragments
    return first_of(doc, X.ARTICLE_ROOTS) is not None or not is_listing(doc, url)


def _text(el: etree._Element | None) -> str:
    return normalize_text(text_of(el)) if el is not None else ""


MAX_DATE_LINE = 60
_DATE_WORDS = re.compile(r"[^\W\d_]+")
# labels of a date line, and "A- A+" (text size buttons) beside it
_DATE_LINE_WORDS = frozenset({"ngay", "cap", "nhat", "dang", "luc", "gio", "thu", "hai", "ba", "tu",
                              "nam", "sau", "bay", "chu", "sa", "ch", "am", "pm", "luot", "xem",
                              "a"})  # fmt: skip


def _only_a_date(line: str) -> bool:
    """Whether `line` is a date and time with at most a label ("Ngày", "Cập nhật lúc")."""
    words = _DATE_WORDS.findall(fold_accents(line).lower())
    return all(w in _DATE_LINE_WORDS for w in words) and parse_vietnamese_date(line) is not None


_BYLINE_LABEL = re.compile(r"(?:tác giả(?: bài viết)?|người viết|bút danh)\s*:", re.I)


def _dated_byline(line: str) -> str | None:
    """Return the name of a line that is a byline, after a date if any ("Ngày đăng: … Tác giả: X")."""
    label = _BYLINE_LABEL.search(line)
    if label is None:
        return None
    head = line[: label.start()].strip(" |-–")
    if head and not _only_a_date(head):
        return None
    name = author_label(line[label.start() :])
    return name if name and looks_like_name(name) else None


LEAD_CHARS = 300
"""How far into an article its own date line may be."""


class LiferayArticlePage(ArticlePage):
    """A Liferay web-content article: one method per record field, `to_item()`."""

    cms_name = CMS_NAME

    def __init__(self, doc: lxml.html.HtmlElement, url: str) -> None:
        self.doc = doc
        self.url = without_redirect(url)
        self.base = document_base(doc, url)
        root = first_of(doc, X.ARTICLE_ROOTS)
        self.root: etree._Element = root if root is not None else doc
        self.content = first_of(self.root, X.CONTENT)
        self._parts: tuple[list[str], str | None, str | None] | None = None

    @memoized
    def title(self) -> str | None:
        named = select(self.root, X.ASSET_TITLE)
        text = normalize_text(str(named[0])) if named else ""
        if text:
            return text
        text = _text(first_of(self.root, X.TITLE))
        if text:
            return text
        return meta_content(self.doc, "og:title")

    def published(self) -> str | None:
        value = first_date(self.root, X.PUBLISHED)
        if value and len(value) == len("2023-03-15") and self.content is not None:
            # the asset's metadata gives the day; the article's own date line, its time
            head = text_of(self.content)[:LEAD_CHARS]
            return next((d for d in find_dates(head) if d.startswith(value)), value)
        if value:
            return value
        # a template that prints the date elsewhere: the short line under the title
        title = first_of(self.root, X.TITLE)
        shown = visible_date_after(title) if title is not None else None
        return shown or first_date(self.root, X.MODIFIED)

    @memoized
    def summary(self) -> str | None:
        if self.content is None:
            return None
        text = _text(first_of(self.content, X.SUMMARY))
        if text:
            return text
        # The asset summary is the page's meta description; templates often repeat it, bold,
        # as the first paragraph of the content.
        description = meta_content(self.doc, "description")
        paragraphs = styled_paragraphs(self.content)
        if description and paragraphs and paragraphs[0].bold:
            lead = paragraphs[0].text
            if lead == description or lead.startswith(description.rstrip(". …")):
                return lead
        return None

    def _body_parts(self) -> tuple[list[str], str | None, str | None]:
        if self._parts is None:
            if self.content is None:
                self._parts = ([], None, None)
            else:
                content = copy.deepcopy(self.content)
                drop(content, X.NOT_BODY)
                lines, author, source = body_parts(content, skip=(self.summary(), self.title()))
                # the template's own date line ("Ngày 15/03/2023 | 14:30") opens the content,
                # with its byline ("Ngày đăng: 02/04/2024 | 02:45 PM Tác giả: Ngọc Hân")
                byline = None
                while lines and len(lines[0]) <= MAX_DATE_LINE * 2:
                    if len(lines[0]) <= MAX_DATE_LINE and _only_a_date(lines[0]):
                        lines = lines[1:]
                    elif byline is None and (byline := _dated_byline(lines[0])):
                        lines = lines[1:]
                    else:
                        break
                self._parts = (lines, author or byline, source)
        return self._parts

    def body(self) -> str | None:
        return "\n\n".join(self._body_parts()[0]) or None

    def author(self) -> str | None:
        return self._body_parts()[1]

    def source(self) -> str | None:
        return self._body_parts()[2]

    def category(self) -> str | None:
        crumb = breadcrumb_category(self.doc, self.url, self.title(), X.BREADCRUMBS)
        return crumb or _text(first_of(self.root, X.PORTLET_TITLE)) or None

    def tags(self) -> list[str]:
        for xpath in X.TAGS:
            tags = [_text(a) for a in select(self.doc, xpath)]
            if any(tags):
                return list(dict.fromkeys(t for t in tags if t))
        return []

    def attachments(self) -> list[dict[str, str]]:
        return attachments_in([self.content] if self.content is not None else [], self.base)


class LiferayDisplayPage(GenericPage):
    """A 7.4 display page (fragments, no journal content portlet): read as generic."""

    cms_name = CMS_NAME

    def __init__(self, doc: lxml.html.HtmlElement, url: str) -> None:
        super().__init__(doc, without_redirect(url))


class LiferayDocumentPage(LabelledDocumentPage):
    """A legal document whose web content template lays its fields out as a labelled table."""

    cms = CMS_NAME
    breadcrumb_items = X.BREADCRUMBS

    def __init__(self, doc: lxml.html.HtmlElement, url: str) -> None:
        super().__init__(doc, without_redirect(url))

    def _named_title(self) -> str | None:
        root = first_of(self.doc, X.ARTICLE_ROOTS)
        if root is None:
            return None
        named = select(root, X.ASSET_TITLE)
        return normalize_text(str(named[0])) if named else _text(first_of(root, X.TITLE)) or None


def parse(doc: lxml.html.HtmlElement, url: str) -> dict[str, Any]:
    """Return the record of a Liferay article or legal-document page."""
    if property_rows(doc):
        return LiferayDocumentPage(doc, url).to_item()
    if first_of(doc, X.ARTICLE_ROOTS) is not None:
        return LiferayArticlePage(doc, url).to_item()
    return LiferayDisplayPage(doc, url).to_item()
