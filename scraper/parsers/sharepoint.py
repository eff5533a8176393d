"""SharePoint / ASP.NET ministry portals: articles and legal documents (vbpl.vn style)."""

from __future__ import annotations

import copy
import re
from typing import Any

import lxml.html
from lxml import etree

from scraper.parsers import xpaths_sharepoint as X
from scraper.parsers.base import document_base, label_key, meta_content
from scraper.parsers.dates import parse_vietnamese_date
from scraper.parsers.docnumbers import find_doc_numbers, normalize_doc_number
from scraper.parsers.generic import (
    attachments_in,
    body_parts,
    breadcrumb_category,
    drop,
    first_of,
    memoized,
    select,
    visible_date_after,
)
from scraper.parsers.text import fold_accents, normalize_text, paragraphs
from scraper.record import empty_record

__all__ = [
    "CMS_NAME",
    "SharePointArticlePage",
    "SharePointDocumentPage",
    "detect",
    "is_sharepoint",
    "parse",
]

CMS_NAME = "sharepoint"

# "Hà Nội, ngày 27 tháng 11 năm 2015": the place and date line of a document's letterhead.
PLACE_DATE = re.compile(r"[^,\n]{2,40},\s*ngay\s+\d{1,2}\s+thang\s+\d{1,2}\s+nam\s+\d{4}")
SOURCE_LINE = re.compile(r"^(?:nguon(?: tin)?\s*:|theo\s)")
AUTHOR_LINE = re.compile(r"^(?:tac gia(?: bai viet)?|but danh)\s*:\s*")


def _text(el: etree._Element | None) -> str:
    return normalize_text(el.text_content()) if el is not None else ""


def _folded(text: str) -> str:
    return fold_accents(normalize_text(text)).lower()


def is_sharepoint(doc: lxml.html.HtmlElement) -> bool:
    """Return True for a SharePoint page, or an ASP.NET page that is not Kentico."""
    if any(select(doc, xpath) for xpath in X.KENTICO_MARKUP):
        return False
    return any(select(doc, xpath) for xpath in X.SHAREPOINT_MARKUP + X.ASPNET_MARKUP)


def _property_rows(doc: etree._Element) -> list[etree._Element]:
    for xpath in X.DOCUMENT_PROPERTY_TABLES:
        for table in select(doc, xpath):
            rows = [r for r in table.iter("tr") if _closest_table(r) is table]
            labels = {
                " ".join(label_key(_text(c)).split())
                for r in rows
                for c in r
                if c.tag in ("td", "th")
            }
            if any(X.LABELS.get(label) == "doc_number" for label in labels):
                return rows
    return []


def _closest_table(el: etree._Element) -> etree._Element | None:
    for ancestor in el.iterancestors("table"):
        return ancestor
    return None


def detect(doc: lxml.html.HtmlElement, url: str) -> bool:
    """Return True for a SharePoint/ASP.NET article or legal-document detail page."""
    if not is_sharepoint(doc):
        return False
    if select(doc, X.ARTICLE_BODY):
        return True
    return bool(_property_rows(doc))


class SharePointArticlePage:
    """A ministry article (`#divArticleDescription1/2/3`): one method per field, `to_item()`."""

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
        for xpath in X.ARTICLE_DATE:
            for el in select(self.doc, xpath):
                value = parse_vietnamese_date(el.text_content())
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
        el = first_of(self.doc, (X.ARTICLE_BYLINE,))
        for line in paragraphs(el) if el is not None else []:
            folded = _folded(line)
            if SOURCE_LINE.match(folded):
                source = source or re.sub(r"^(?:nguồn(?: tin)?\s*:|theo)\s*", "", line, flags=re.I)
            else:
                match = AUTHOR_LINE.match(folded)
                author = author or (line[match.end() :] if match else line)
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

    def doc_refs(self) -> list[str]:
        return find_doc_numbers("\n".join(filter(None, [self.summary(), self.body()])))

    def to_item(self) -> dict[str, Any]:
        return empty_record(
            self.url,
            kind="article",
            cms=CMS_NAME,
            title=self.title(),
            published=self.published(),
            author=self.author(),
            source=self.source(),
            summary=self.summary(),
            body=self.body(),
            category=self.category(),
            doc_refs=self.doc_refs(),
            attachments=self.attachments(),
        )


class SharePointDocumentPage:
    """A legal document with labelled fields (Số ký hiệu, Ngày ban hành, Người ký, ...)."""

    def __init__(self, doc: lxml.html.HtmlElement, url: str) -> None:
        self.doc = doc
        self.url = url
        self.base = document_base(doc, url)
        self.rows = _property_rows(doc)
        self.fields = self._read_fields()
        self.text_el = first_of(doc, X.DOCUMENT_TEXT)

    def _read_fields(self) -> dict[str, str]:
        fields: dict[str, str] = {}
        for row in self.rows:
            cells = [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
            i = 0
            while i < len(cells):
                key = " ".join(label_key(_text(cells[i])).split())
                if key == X.ISSUER_ROLE_SIGNER:
                    values = [_text(c) for c in cells[i + 1 :]]
                    if values and values[0]:
                        fields.setdefault("issuer", values[0])
                    if len(values) > 1 and values[-1]:
                        fields.setdefault("signer", values[-1])
                    break
                field = X.LABELS.get(key)
                if field and i + 1 < len(cells):
                    value = _text(cells[i + 1])
                    if value and value.upper() != "N/A":
                        fields.setdefault(field, value)
                    i += 2
                else:
                    i += 1
        return fields

    @memoized
    def title(self) -> str | None:
        return _text(first_of(self.doc, X.DOCUMENT_TITLE)) or meta_content(self.doc, "og:title")

    @memoized
    def _full_text(self) -> str:
        return "\n".join(paragraphs(self.text_el)) if self.text_el is not None else ""

    def published(self) -> str | None:
        value = parse_vietnamese_date(self.fields.get("published"))
        if value:
            return value
        folded = fold_accents(self._full_text()).lower()
        match = PLACE_DATE.search(folded)
        return parse_vietnamese_date(match.group(0)) if match else None

    def effective(self) -> str | None:
        return parse_vietnamese_date(self.fields.get("effective"))

    def expires(self) -> str | None:
        return parse_vietnamese_date(self.fields.get("expires"))

    def doc_type(self) -> str | None:
        if self.fields.get("doc_type"):
            return self.fields["doc_type"]
        title = self.title() or ""
        for kind in X.DOCUMENT_TYPES:
            if _folded(title).startswith(_folded(kind)):
                return kind
        return None

    @memoized
    def body(self) -> str | None:
        if self.text_el is None:
            return None
        el = copy.deepcopy(self.text_el)
        drop(el, (".//script", ".//style"))
        # The letterhead (issuer, number, place and date) and the signature block are tables
        # around the text; their content is in the record's own fields.
        children = [c for c in el if isinstance(c.tag, str)]
        texts = [i for i, c in enumerate(children) if c.tag != "table" and _text(c)]
        if texts:
            for i, child in enumerate(children):
                if child.tag == "table" and (i < texts[0] or i > texts[-1]):
                    el.remove(child)
        return "\n\n".join(paragraphs(el)) or None

    def doc_refs(self) -> list[str]:
        own = normalize_doc_number(self.fields.get("doc_number", "") or "")
        return [n for n in find_doc_numbers(self.body()) if normalize_doc_number(n) != own]

    def attachments(self) -> list[dict[str, str]]:
        scope = [r for r in self.rows]
        if self.text_el is not None:
            scope.append(self.text_el)
        scope.extend(select(self.doc, X.ARTICLE_ATTACHMENTS[0]))
        return attachments_in(scope, self.base)

    def category(self) -> str | None:
        return self.fields.get("category") or breadcrumb_category(
            self.doc, self.url, self.title(), X.BREADCRUMB_ITEMS
        )

    def to_item(self) -> dict[str, Any]:
        return empty_record(
            self.url,
            kind="document",
            cms=CMS_NAME,
            title=self.title(),
            published=self.published(),
            summary=self.fields.get("summary"),
            body=self.body(),
            category=self.category(),
            doc_number=self.fields.get("doc_number"),
            doc_type=self.doc_type(),
            issuer=self.fields.get("issuer"),
            signer=self.fields.get("signer"),
            effective=self.effective(),
            expires=self.expires(),
            doc_refs=self.doc_refs(),
            attachments=self.attachments(),
        )


def parse(doc: lxml.html.HtmlElement, url: str) -> dict[str, Any]:
    """Return the record of a SharePoint article or legal-document page."""
    if select(doc, X.ARTICLE_BODY):
        return SharePointArticlePage(doc, url).to_item()
    return SharePointDocumentPage(doc, url).to_item()
