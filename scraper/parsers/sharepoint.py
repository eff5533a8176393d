"""SharePoint / ASP.NET ministry portals: articles and legal documents (vbpl.vn style)."""

from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree

from scraper.parsers import xpaths_sharepoint as X
from scraper.parsers.base import (
    ArticlePage,
    document_base,
    first_date,
    looks_like_name,
    meta_content,
    page_marks,
)
from scraper.parsers.generic import (
    GenericPage,
    LabelledDocumentPage,
    attachments_in,
    body_parts,
    breadcrumb_category,
    first_of,
    memoized,
    property_rows,
    select,
    visible_date_after,
)
from scraper.parsers.listing import is_listing
from scraper.parsers.text import fold_accents, normalize_text, paragraphs, text_of

__all__ = [
    "CMS_NAME",
    "SharePointArticlePage",
    "SharePointDocumentPage",
    "SharePointPublishingPage",
    "detect",
    "is_sharepoint",
    "parse",
]

CMS_NAME = "sharepoint"

SOURCE_LINE = re.compile(r"^(?:nguon(?: tin)?\s*:|theo\s)")
AUTHOR_LINE = re.compile(r"^(?:tac gia(?: bai viet)?|but danh)\s*:\s*")


def _text(el: etree._Element | None) -> str:
    return normalize_text(text_of(el)) if el is not None else ""


def _folded(text: str) -> str:
    return fold_accents(normalize_text(text)).lower()


def is_sharepoint(doc: lxml.html.HtmlElement) -> bool:
    """Return True for a SharePoint page, or an ASP.NET page that is not Kentico."""
    marks = page_marks(doc)
    if any(marks.matches(xpath) for xpath in X.KENTICO_MARKUP):
        return False
    return any(marks.matches(xpath) for xpath in X.SHAREPOINT_MARKUP + X.ASPNET_MARKUP)


def detect(doc: lxml.html.HtmlElement, url: str) -> bool:
    """Return True for a SharePoint/ASP.NET article or legal-document detail page."""
    if not is_sharepoint(doc):
        return False
    if select(doc, X.ARTICLE_BODY) or property_rows(doc):
        return True
    # SharePoint with another layout (a publishing page, a web part of the site's own): an
    # article unless its links outweigh its text
    marks = page_marks(doc)
    return any(marks.matches(xpath) for xpath in X.SHAREPOINT_MARKUP) and not is_listing(doc, url)


class SharePointArticlePage(ArticlePage):
    """A ministry article (`#divArticleDescription1/2/3`): one method per field, `to_item()`."""

    cms_name = CMS_NAME

    def __init__(self, doc: lxml.html.HtmlElement, url: str) -> None:
        self.doc = doc
        self.url = url
        self.base = document_base(doc, url)
        self._parts: tuple[list[str], str | None, str | None] | None = None

    def _title_el(self) -> etree._Element | None:
        return first_of(self.doc, X.ARTICLE_TITLE)

    @memoized
    def title(self) -> str | None:
        return _text(self._title_el()) or meta_content(self.doc, "og:title")

    def published(self) -> str | None:
        value = first_date(self.doc, X.ARTICLE_DATE)
        if value:
            return value
        title = self._title_el()
        return visible_date_after(title) if title is not None else None

    @memoized
    def summary(self) -> str | None:
        el = first_of(self.doc, (X.ARTICLE_SUMMARY,))
        return " ".join(paragraphs(el)) or None if el is not None else None

    @memoized
    def _byline(self) -> tuple[str | None, str | None]:
        author = source = None
        el = first_of(self.doc, X.ARTICLE_BYLINE)
        for line in paragraphs(el) if el is not None else []:
            folded = _folded(line)
            if SOURCE_LINE.match(folded):
                source = source or re.sub(r"^(?:nguồn(?: tin)?\s*:|theo)\s*", "", line, flags=re.I)
            elif match := AUTHOR_LINE.match(folded):
                author = author or line[match.end() :]
            elif looks_like_name(line):
                author = author or line
        return author, source

    def _body_parts(self) -> tuple[list[str], str | None, str | None]:
        if self._parts is None:
            el = first_of(self.doc, (X.ARTICLE_BODY,))
            self._parts = body_parts(el, skip=(self.summary(),))
        return self._parts

    @memoized
    def body(self) -> str | None:
        return "\n\n".join(self._body_parts()[0]) or None

    def author(self) -> str | None:
        return self._byline()[0] or self._body_parts()[1]

    def source(self) -> str | None:
        return self._byline()[1] or self._body_parts()[2]

    def category(self) -> str | None:
        return breadcrumb_category(self.doc, self.url, self.title(), X.BREADCRUMB_ITEMS)

    def attachments(self) -> list[dict[str, str]]:
        scope = [
            el
            for xpath in (X.ARTICLE_BODY, *X.ARTICLE_ATTACHMENTS)
            for el in select(self.doc, xpath)
        ]
        return attachments_in(scope, self.base)


class SharePointDocumentPage(LabelledDocumentPage):
    """A legal document on a SharePoint portal or vbpl.vn (labelled fields, toàn văn)."""

    cms = CMS_NAME
    breadcrumb_items = X.BREADCRUMB_ITEMS
    attachment_areas = X.ARTICLE_ATTACHMENTS


class SharePointPublishingPage(GenericPage):
    """A SharePoint page whose layout names no field we know: read as the generic parser reads."""

    cms_name = CMS_NAME


def parse(doc: lxml.html.HtmlElement, url: str) -> dict[str, Any]:
    """Return the record of a SharePoint article or legal-document page."""
    if select(doc, X.ARTICLE_BODY):
        return SharePointArticlePage(doc, url).to_item()
    if property_rows(doc):
        return SharePointDocumentPage(doc, url).to_item()
    return SharePointPublishingPage(doc, url).to_item()
