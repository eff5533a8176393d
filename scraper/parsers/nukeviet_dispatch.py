"""NukeViet dispatch module (`công văn`): one table of bold labels and values."""

from __future__ import annotations

from typing import Any

import lxml.html
from lxml import etree

from scraper.parsers.base import (
    absolute_url,
    document_base,
    label_key,
    label_pairs,
    memoized,
    meta_content,
    per_page,
    placeholder,
    section_names,
    select,
    strip_site_name,
)
from scraper.parsers.dates import document_date
from scraper.parsers.docnumbers import cited_numbers
from scraper.parsers.nukeviet_laws import document_number
from scraper.parsers.nukeviet_news import BREADCRUMBS
from scraper.parsers.text import block_text, normalize_text, paragraphs, text_of
from scraper.record import empty_record

__all__ = ["CMS_NAME", "NukeVietDispatchPage", "detect", "parse"]

CMS_NAME = "nukeviet_dispatch"

# ---- selectors ---------------------------------------------------------------------------------

# rows whose first cell holds a `<strong>` (`//tr[td[1][strong]]`), found from the few `<strong>`
FIELD_ROWS = "//strong/parent::td[not(preceding-sibling::td)]/parent::tr"
TITLE_META = ("og:title",)
PAGE_TITLE = "//title"
SITE_NAME_META = "og:site_name"

# Labels (accent-folded, lower case) → what they hold.
FIELD_LABELS: dict[str, str] = {
    "ten cong van": "title",
    "loai cong van": "doc_type",
    "so cong van": "doc_number",
    "so ki hieu": "doc_number",
    "so ky hieu": "doc_number",
    "ngay gui": "sent",
    "don vi soan": "issuer",
    "co quan ban hanh": "issuer",
    "ngay ban hanh": "published",
    "ngay co hieu luc": "effective",
    "ngay het hieu luc": "expires",
    "trich yeu": "summary",
    "noi dung": "body",
    "nguoi ky": "signer",
    "tai file": "files",
    "cong van dinh kem": "files",
}
MODULE_TITLES = frozenset({"cong van", "cong van den", "cong van di", "van ban", "dispatch"})
"""Page titles that name the module (folded), not the dispatch."""
REQUIRED_LABELS = frozenset({"doc_number", "doc_type"})


@per_page
def _fields_of(doc: lxml.html.HtmlElement) -> dict[str, etree._Element]:
    rows = select(doc, FIELD_ROWS)
    fields: dict[str, etree._Element] = {}
    for label, cell in label_pairs(rows):
        field = FIELD_LABELS.get(label_key(label))
        if not field or field in fields:
            continue
        if not normalize_text(text_of(cell)):
            # "Trích yếu" keeps its text in the next row, one cell across the table
            row = cell.getparent()
            following = row.getnext() if row is not None else None
            while following is not None and not isinstance(following.tag, str):
                following = following.getnext()
            if following is not None and len(following) == 1:
                cell = following[0]
        fields[field] = cell
    return fields


def detect(doc: lxml.html.HtmlElement, url: str) -> bool:
    """Return True for a NukeViet dispatch detail page."""
    return REQUIRED_LABELS <= set(_fields_of(doc))


class NukeVietDispatchPage:
    """A NukeViet dispatch page: one method per record field, `to_item()` for the record."""

    def __init__(self, doc: lxml.html.HtmlElement, url: str) -> None:
        self.doc = doc
        self.url = url
        self.cells = _fields_of(doc)

    def _text(self, field: str) -> str | None:
        cell = self.cells.get(field)
        if cell is None:
            return None
        value = ", ".join(line for line in block_text(cell).split("\n") if line)
        return None if placeholder(value) else value

    def _date(self, field: str) -> str | None:
        return document_date(self._text(field))

    def title(self) -> str | None:
        named = self._text("title")
        if named:
            return named
        site = meta_content(self.doc, SITE_NAME_META)
        candidates = [meta_content(self.doc, key) for key in TITLE_META]
        found = select(self.doc, PAGE_TITLE)
        candidates.append(normalize_text(text_of(found[0])) if found else None)
        sections = None
        for value in candidates:
            title = strip_site_name(value, site) if value else None
            if not title:
                continue
            # the stock module names no dispatch: its page title is the module's own name
            name = label_key(title.split(" - ")[0])
            if sections is None:
                sections = section_names(self.doc, self.url, BREADCRUMBS)
            if name not in MODULE_TITLES and name not in sections:
                return title
        return self.summary()

    @memoized
    def summary(self) -> str | None:
        cell = self.cells.get("summary")
        value = block_text(cell).replace("\n", " ") if cell is not None else ""
        return value or None

    @memoized
    def body(self) -> str | None:
        cell = self.cells.get("body")
        return "\n\n".join(paragraphs(cell)) or None if cell is not None else None

    def published(self) -> str | None:
        return self._date("published") or self._date("sent")

    def effective(self) -> str | None:
        return self._date("effective")

    def expires(self) -> str | None:
        return self._date("expires")

    @memoized
    def doc_number(self) -> str | None:
        return document_number(self._text("doc_number"))

    def doc_type(self) -> str | None:
        return self._text("doc_type")

    def issuer(self) -> str | None:
        return self._text("issuer")

    def signer(self) -> str | None:
        return self._text("signer")

    def attachments(self) -> list[dict[str, str]]:
        cell = self.cells.get("files")
        if cell is None:
            return []
        base = document_base(self.doc, self.url)
        found: dict[str, dict[str, str]] = {}
        for a in cell.iter("a"):
            url = absolute_url(base, a.get("href"))
            if url:
                title = normalize_text(text_of(a)) or url.rsplit("/", 1)[-1]
                found.setdefault(url, {"url": url, "title": title})
        return list(found.values())

    def doc_refs(self) -> list[str]:
        text = "\n".join(filter(None, [self.summary(), self.body()]))
        return cited_numbers(text, self.doc_number())

    def to_item(self) -> dict[str, Any]:
        return empty_record(
            self.url,
            kind="document",
            cms=CMS_NAME,
            title=self.title(),
            published=self.published(),
            author=self.signer(),
            summary=self.summary(),
            body=self.body(),
            doc_number=self.doc_number(),
            doc_type=self.doc_type(),
            issuer=self.issuer(),
            signer=self.signer(),
            effective=self.effective(),
            expires=self.expires(),
            doc_refs=self.doc_refs(),
            attachments=self.attachments(),
        )


def parse(doc: lxml.html.HtmlElement, url: str) -> dict[str, Any]:
    """Return the record of a NukeViet dispatch."""
    return NukeVietDispatchPage(doc, url).to_item()
