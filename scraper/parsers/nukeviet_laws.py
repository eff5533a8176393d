"""NukeViet laws module: legal documents (`Văn bản`) at `/laws/detail/<alias>-<id>/`."""

from __future__ import annotations

import copy
import re
from typing import Any

import lxml.html
from lxml import etree

from scraper.parsers.base import (
    absolute_url,
    document_base,
    first,
    has_class,
    label_key,
    label_pairs,
    memoized,
    meta_content,
    needs_class,
    page_marks,
    per_page,
    placeholder,
    select,
)
from scraper.parsers.dates import document_date
from scraper.parsers.docnumbers import cited_numbers
from scraper.parsers.text import block_text, fold_accents, normalize_text, paragraphs, text_of
from scraper.parsers.xpaths_generic import CITING_LABELS
from scraper.record import empty_record

__all__ = ["CMS_NAME", "NukeVietLawPage", "detect", "document_number", "parse"]

CMS_NAME = "nukeviet_laws"

# ---- selectors ---------------------------------------------------------------------------------

TITLE = (
    # the headings first (three name scans), the class test then runs on few elements
    needs_class(f"(//h1 | //h2 | //h3)[{has_class('lawh3')}]", "lawh3"),
    needs_class(f"//*[{has_class('law-detail')}]//h1", "law-detail"),
)
ABSTRACT_AFTER_TITLE = "following-sibling::*[1][self::p]"
ABSTRACT_4X = needs_class(f"//*[{has_class('law-detail')}]//*[@id='doc-basic']//p", "law-detail")
FIELD_ROWS = (
    needs_class(f"//tr[td[{has_class('text-right')}]]", "text-right"),
    needs_class(f"//table[{has_class('table-properties')}]//tr", "table-properties"),
)
BODY_4X = needs_class(
    f"//*[{has_class('law-detail')}]//*[@id='doc-body']//div[{has_class('bodytext')}]",
    "law-detail",
)
HEADINGS = needs_class(f"//*[{has_class('lawh3')}]", "lawh3")
ATTACHMENT_LINKS = needs_class(
    f"//*[{has_class('laws-download-file')}]//a[@href]", "laws-download-file"
)

# Labels (accent-folded, lower case) → record fields.
FIELD_LABELS: dict[str, str] = {
    "so ki hieu": "doc_number",
    "so ky hieu": "doc_number",
    "so hieu": "doc_number",
    "ngay ban hanh": "published",
    "ngay bat dau hieu luc": "effective",
    "ngay co hieu luc": "effective",
    "ngay hieu luc": "effective",
    "ngay het hieu luc": "expires",
    "the loai": "doc_type",
    "loai van ban": "doc_type",
    "linh vuc": "category",
    "co quan ban hanh": "issuer",
    "nguoi ky": "signer",
}
SIGNING_ROLE = re.compile(
    r"^(?:\(?da ky\)?$|(?:kt|tm|tl|tuq|q)\.\s*\S|(?:pho |quyen )?(?:chu tich|giam doc|bo truong|"
    r"thu truong|truong ban|pho truong ban|chanh van phong|truong phong|bi thu))"
)
"""The lines above a signer's name: "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN"."""
MAX_ROLE_CHARS = 60
RECIPIENTS = "noi nhan"
"""The recipients list that closes a document ("Nơi nhận:"), beside or above the signature."""
DATE_FIELDS = frozenset({"published", "effective", "expires"})
BODY_HEADINGS = frozenset({"noi dung", "toan van"})


def document_number(value: str | None) -> str | None:
    """Return a document number as shown ("Không số" included), None for "N/A" and blanks."""
    value = normalize_text(value or "")
    return None if placeholder(value) else value


def _value(cell: etree._Element) -> str | None:
    lines = [line for line in block_text(cell).split("\n") if line]
    value = ", ".join(lines)
    return None if placeholder(value) else value


def detect(doc: lxml.html.HtmlElement, url: str) -> bool:
    """Return True for a NukeViet laws detail page."""
    if not page_marks(doc).any_class("lawh3", "law-detail") or first(doc, TITLE) is None:
        return False
    return any(FIELD_LABELS.get(label_key(label)) == "doc_number" for label, _ in _pairs_of(doc))


@per_page
def _pairs_of(doc: lxml.html.HtmlElement) -> list[tuple[str, etree._Element]]:
    for xpath in FIELD_ROWS:
        rows = select(doc, xpath)
        if rows:
            return label_pairs(rows)
    return []


def _without_letterhead(el: etree._Element) -> etree._Element:
    """Return `el`, or a copy without the tables before its text (the letterhead: issuer,
    number, place and date, which are the record's own fields)."""
    children = [c for c in el if isinstance(c.tag, str)]
    leading: list[int] = []
    for index, child in enumerate(children):
        if child.tag == "table":
            leading.append(index)
        elif text_of(child).strip():
            break
    if not leading or (el.text or "").strip() or len(leading) == len(children):
        return el
    copied = copy.deepcopy(el)
    kids = [c for c in copied if isinstance(c.tag, str)]
    for index in leading:
        kids[index].drop_tree()  # its tail stays
    return copied


class NukeVietLawPage:
    """A NukeViet laws detail page: one method per record field, `to_item()` for the record."""

    def __init__(self, doc: lxml.html.HtmlElement, url: str) -> None:
        self.doc = doc
        self.url = url
        self.fields: dict[str, str | None] = {}
        self.cited: list[str] = []  # the rows naming the documents it rests on or relates to
        for label, cell in _pairs_of(doc):
            key = label_key(label)
            if key in CITING_LABELS:
                self.cited.append(normalize_text(text_of(cell)))
                continue
            field = FIELD_LABELS.get(key)
            if field and field not in self.fields:
                self.fields[field] = _value(cell)

    def _date(self, field: str) -> str | None:
        return document_date(self.fields.get(field))

    @memoized
    def title(self) -> str | None:
        el = first(self.doc, TITLE)
        text = normalize_text(text_of(el)) if el is not None else ""
        return text or meta_content(self.doc, "og:title")

    @memoized
    def summary(self) -> str | None:
        title = first(self.doc, TITLE)
        if title is not None:
            found = select(title, ABSTRACT_AFTER_TITLE)
            if found:
                return block_text(found[0]).replace("\n", " ") or None
        found = select(self.doc, ABSTRACT_4X)
        return block_text(found[0]).replace("\n", " ") or None if found else None

    @memoized
    def body(self) -> str | None:
        found = select(self.doc, BODY_4X)
        if found:
            text = _without_letterhead(found[0])
            return "\n\n".join(self._without_signature(paragraphs(text))) or None
        parts: list[str] = []
        for heading in select(self.doc, HEADINGS):
            if label_key(text_of(heading)) not in BODY_HEADINGS:
                continue
            started = False  # the tables before the text: the letterhead
            for sibling in heading.itersiblings():
                if isinstance(sibling.tag, str) and "lawh3" in (sibling.get("class") or ""):
                    break
                if not isinstance(sibling.tag, str) or (sibling.tag == "table" and not started):
                    continue
                found_parts = paragraphs(sibling)
                started = started or bool(found_parts)
                parts.extend(found_parts)
        return "\n\n".join(self._without_signature(parts)) or None

    def _without_signature(self, parts: list[str]) -> list[str]:
        """Return `parts` without the closing block: recipients ("Nơi nhận:") and signature."""
        signer = self.signer()
        end, closed = len(parts), False
        while end:
            last = parts[end - 1]
            folded = fold_accents(last).lower()
            if folded.startswith(RECIPIENTS) or (signer and last == signer):
                closed = True  # the table of both reads as one row: "Nơi nhận: ... | TM. ..."
            elif not (closed and len(last) <= MAX_ROLE_CHARS and SIGNING_ROLE.match(folded)):
                break
            end -= 1
        return parts[:end]

    def published(self) -> str | None:
        return self._date("published")

    def effective(self) -> str | None:
        return self._date("effective")

    def expires(self) -> str | None:
        return self._date("expires")

    def doc_number(self) -> str | None:
        return document_number(self.fields.get("doc_number"))

    def doc_type(self) -> str | None:
        return self.fields.get("doc_type")

    def issuer(self) -> str | None:
        return self.fields.get("issuer")

    def signer(self) -> str | None:
        return self.fields.get("signer")

    def category(self) -> str | None:
        return self.fields.get("category")

    def attachments(self) -> list[dict[str, str]]:
        base = document_base(self.doc, self.url)
        found: dict[str, dict[str, str]] = {}
        for a in select(self.doc, ATTACHMENT_LINKS):
            url = absolute_url(base, a.get("href"))
            if not url:
                continue
            strong = a.find("strong")
            title = normalize_text(text_of(strong if strong is not None else a))
            found.setdefault(url, {"url": url, "title": title or url.rsplit("/", 1)[-1]})
        return list(found.values())

    def doc_refs(self) -> list[str]:
        text = "\n".join(filter(None, [self.summary(), self.body(), *self.cited]))
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
            category=self.category(),
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
    """Return the record of a NukeViet laws document."""
    return NukeVietLawPage(doc, url).to_item()
