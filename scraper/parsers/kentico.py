"""Kentico CMS articles: `div.article h1`, `time.ct_time`, a closing "Nguồn: ..." line."""

from __future__ import annotations

from typing import Any

import lxml.html
from lxml import etree

from scraper.parsers import xpaths_kentico as X
from scraper.parsers.base import (
    ArticlePage,
    document_base,
    first_date,
    meta_content,
    page_marks,
    per_page,
)
from scraper.parsers.generic import (
    GenericPage,
    attachments_in,
    body_parts,
    breadcrumb_category,
    first_of,
    memoized,
    select,
    tag_links,
    visible_date_after,
)
from scraper.parsers.listing import is_listing
from scraper.parsers.text import normalize_text, paragraphs, text_of

__all__ = [
    "CMS_NAME",
    "KenticoArticlePage",
    "KenticoTransformationPage",
    "detect",
    "is_kentico",
    "parse",
]

CMS_NAME = "kentico"


def _text(el: etree._Element | None) -> str:
    return normalize_text(text_of(el)) if el is not None else ""


def is_kentico(doc: lxml.html.HtmlElement) -> bool:
    """Return True if `doc` was served by Kentico (generator, CSRF field, CMSPages resources)."""
    marks = page_marks(doc)
    return any(marks.matches(xpath) for xpath in X.KENTICO_MARKUP)


def detect(doc: lxml.html.HtmlElement, url: str) -> bool:
    """Return True for a Kentico article page."""
    if not is_kentico(doc):
        return False
    if _article_root(doc) is not None:
        return True
    # a transformation of another site: an article unless its links outweigh its text
    return not is_listing(doc, url)


@per_page
def _article_root(doc: lxml.html.HtmlElement) -> etree._Element | None:
    """The `div.article` (or `time.ct_time` parent) of the stock templates, with a body."""
    root = first_of(doc, X.ARTICLE_ROOTS)
    return root if root is not None and first_of(root, X.BODY) is not None else None


class KenticoArticlePage(ArticlePage):
    """A Kentico article: one method per record field, `to_item()`."""

    cms_name = CMS_NAME

    def __init__(self, doc: lxml.html.HtmlElement, url: str) -> None:
        self.doc = doc
        self.url = url
        self.base = document_base(doc, url)
        root = first_of(doc, X.ARTICLE_ROOTS)
        self.root: etree._Element = root if root is not None else doc
        self._parts: tuple[list[str], str | None, str | None] | None = None

    @memoized
    def title(self) -> str | None:
        return _text(first_of(self.root, X.TITLE)) or meta_content(self.doc, "og:title")

    def published(self) -> str | None:
        value = first_date(self.root, X.PUBLISHED)
        if value:
            return value
        # a template that prints the date elsewhere: the short line under the title
        title = first_of(self.root, X.TITLE)
        return visible_date_after(title) if title is not None else None

    @memoized
    def summary(self) -> str | None:
        el = first_of(self.root, X.SUMMARY)
        return " ".join(paragraphs(el)) or None if el is not None else None

    def _body_parts(self) -> tuple[list[str], str | None, str | None]:
        if self._parts is None:
            self._parts = body_parts(first_of(self.root, X.BODY), skip=(self.summary(),))
        return self._parts

    def body(self) -> str | None:
        return "\n\n".join(self._body_parts()[0]) or None

    def author(self) -> str | None:
        return self._body_parts()[1]

    def source(self) -> str | None:
        return self._body_parts()[2]

    def category(self) -> str | None:
        return breadcrumb_category(self.doc, self.url, self.title(), X.BREADCRUMB_ITEMS)

    def tags(self) -> list[str]:
        for xpath in X.TAGS:
            tags = [_text(a) for a in select(self.root, xpath)]
            if any(tags):
                return list(dict.fromkeys(t for t in tags if t))
        return tag_links(self.doc)  # a template's tags box outside the article

    def attachments(self) -> list[dict[str, str]]:
        scope = [el for xpath in (*X.BODY, *X.ATTACHMENT_AREAS) for el in select(self.root, xpath)]
        return attachments_in(scope, self.base)


class KenticoTransformationPage(GenericPage):
    """An article of a site's own Kentico transformation: read as the generic parser reads."""

    cms_name = CMS_NAME


def parse(doc: lxml.html.HtmlElement, url: str) -> dict[str, Any]:
    """Return the record of a Kentico article page."""
    if _article_root(doc) is not None:
        return KenticoArticlePage(doc, url).to_item()
    return KenticoTransformationPage(doc, url).to_item()
