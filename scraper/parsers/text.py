"""Text normalisation for Vietnamese pages: NFC, whitespace, paragraphs, accent folding."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from lxml import etree

__all__ = [
    "Paragraph",
    "block_text",
    "fold_accents",
    "normalize_text",
    "paragraphs",
    "styled_paragraphs",
]

# C0/C1 controls (tab, newline, CR, VT, FF become spaces instead), zero-width characters,
# soft hyphen and byte-order marks: invisible, but they break search and comparison.
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200d\u2060\ufeff\ufffe]")

SKIPPED_TAGS: frozenset[str] = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "title",
        "select",
        "option",
        "svg",
        "iframe",
        "object",
        "embed",
        "canvas",
        "button",
        "textarea",
    }
)
BLOCK_TAGS: frozenset[str] = frozenset(
    {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "caption",
        "blockquote",
        "pre",
        "section",
        "article",
        "header",
        "footer",
        "nav",
        "aside",
        "main",
        "figure",
        "figcaption",
        "address",
        "hr",
        "form",
        "fieldset",
        "legend",
        "center",
        "details",
        "summary",
        "body",
        "html",
    }
)
CELL_TAGS: frozenset[str] = frozenset({"td", "th"})
BOLD_TAGS: frozenset[str] = frozenset({"strong", "b", "h1", "h2", "h3", "h4", "h5", "h6"})
CELL_SEPARATOR = " | "
MAX_DATA_CELL_CHARS = 300

_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.I)
_RIGHT_STYLE = re.compile(r"text-align\s*:\s*right", re.I)

_Flags = tuple[bool, bool, bool]
_BREAK = object()
_CELL = object()


@dataclass(frozen=True)
class Paragraph:
    """One block-level paragraph of text and whether it is entirely bold or right-aligned."""

    text: str
    bold: bool = False
    right: bool = False


_VISIBLE_TEXT = etree.XPath(
    "descendant-or-self::text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template)]",
    smart_strings=False,  # joined at once: plain strings, no link back to their element
    regexp=False,
)


def text_of(el: etree._Element) -> str:
    """The text an element shows: `text_content()` without script, style and noscript text."""
    if el.tag in ("script", "style", "noscript", "template"):
        return ""
    if not len(el):
        return el.text or ""
    return "".join(_VISIBLE_TEXT(el))


def normalize_text(s: str) -> str:
    """Return `s` in NFC with invisible characters dropped and whitespace collapsed."""
    if not s:
        return ""
    # every invisible character is a control or format character: none is printable
    printable = s.isprintable()
    if not printable:
        s = _INVISIBLE.sub("", s)
    if not s.isascii():  # ASCII is already NFC
        s = unicodedata.normalize("NFC", s)
    if printable and "  " not in s:
        # every whitespace character but the space is unprintable, and NFC makes none: the
        # text's only whitespace is single spaces (splitting it would copy every word)
        return s.strip(" ")
    return " ".join(s.split())


class _FoldTable(dict[int, str]):
    """Code point → that character without diacritics, filled as characters are met."""

    def __missing__(self, code: int) -> str:
        # NFD, then drop the combining marks: canonical reordering only moves marks, which
        # all go, so folding character by character gives what folding the string gives.
        c = "d" if code == 0x111 else "D" if code == 0x110 else chr(code)
        folded = "".join(d for d in unicodedata.normalize("NFD", c) if not unicodedata.combining(d))
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold_accents(s: str) -> str:
    """Return `s` without diacritics (đ→d, Đ→D), for slugs and detection."""
    if s.isascii():
        return s
    return unicodedata.normalize("NFC", s.translate(_FOLD))


def _is_data_table(table: etree._Element) -> bool:
    """Return True for a table of short cells (a schedule, a list), not a page-layout table."""
    if table.find(".//table") is not None:
        return False
    for cell in table.iter("td", "th"):
        if len(text_of(cell)) > MAX_DATA_CELL_CHARS:
            return False
    return True


def _tokens(root: etree._Element) -> list[object]:
    """Flatten `root` into text chunks `(text, bold, right)` and break/cell markers, in order."""
    out: list[object] = []
    append = out.append
    # entries: (node, its tag when closing it else None, flags for the tail, flags for the
    # node); flags are (bold, right-aligned, inside a data table)
    start: _Flags = (False, False, False)
    stack: list[tuple[etree._Element, str | None, _Flags, _Flags]] = [(root, None, start, start)]
    push, pop = stack.append, stack.pop
    while stack:
        node, closing, outer, inner = pop()
        in_table = inner[2]
        if closing is not None:
            tag = closing
            if tag in ("tr", "table"):
                append(_BREAK)
            elif tag in CELL_TAGS:
                if not in_table:
                    append(_BREAK)
            elif tag in BLOCK_TAGS:
                append((" ", outer[0], outer[1]) if in_table else _BREAK)
            if node is not root:
                tail = node.tail
                if tail:
                    append((tail, outer[0], outer[1]))
            continue
        raw = node.tag
        tag = raw.lower() if isinstance(raw, str) else ""
        if not tag or tag in SKIPPED_TAGS:
            if node is not root:
                tail = node.tail
                if tail:
                    append((tail, outer[0], outer[1]))
            continue
        if tag == "table":
            in_table = _is_data_table(node)
        bold, right = inner[0], inner[1]
        if not (bold and right) and node.attrib:
            # bold by tag or style; right-aligned by align, class or style
            style = node.get("style") or ""
            bold = bold or tag in BOLD_TAGS or bool(_BOLD_STYLE.search(style))
            right = right or _is_right_by(node.get("align"), node.get("class"), style)
        else:
            bold = bold or tag in BOLD_TAGS
        flags = (bold, right, in_table)
        if tag in ("tr", "table"):
            append(_BREAK)
        elif tag in CELL_TAGS:
            append(_CELL if in_table else _BREAK)
        elif tag in BLOCK_TAGS or tag == "br":
            append((" ", bold, right) if in_table else _BREAK)
        text = node.text
        if text:
            append((text, bold, right))
        push((node, tag, outer, flags))
        if len(node):
            for child in node[::-1]:
                push((child, None, flags, flags))
    return out


def _is_right_by(align: str | None, classes: str | None, style: str) -> bool:
    if (align or "").strip().lower() == "right":
        return True
    if "text-right" in (classes or "").split():
        return True
    return bool(_RIGHT_STYLE.search(style))


_Chunk = tuple[str, bool, bool]


def _flush(cells: list[list[_Chunk]], result: list[Paragraph]) -> None:
    """Append the paragraph of one line (its cells' chunks), if it has any text."""
    texts = []
    bold = right = True
    for cell in cells:
        if len(cell) == 1:
            # one chunk: one style (the common case, without the joins below)
            chunk = cell[0]
            text = normalize_text(chunk[0])
            if text:
                texts.append(text)
                bold, right = bold and chunk[1], right and chunk[2]
            continue
        text = normalize_text("".join([chunk[0] for chunk in cell]))
        if not text:
            continue
        texts.append(text)
        if not (bold or right):
            continue
        first = cell[0]
        if all(chunk[1] == first[1] and chunk[2] == first[2] for chunk in cell):
            # one style throughout: the text is not empty, so some chunk is visible
            bold, right = bold and first[1], right and first[2]
            continue
        visible = [chunk for chunk in cell if _INVISIBLE.sub("", chunk[0]).strip()]
        bold = bold and all(chunk[1] for chunk in visible)
        right = right and all(chunk[2] for chunk in visible)
    if texts:
        result.append(Paragraph(CELL_SEPARATOR.join(texts), bold, right))


def styled_paragraphs(el: etree._Element) -> list[Paragraph]:
    """Return the block-level paragraphs of `el` in order, with their bold/right-aligned flags."""
    result: list[Paragraph] = []
    cell: list[_Chunk] = []
    cells: list[list[_Chunk]] = [cell]  # the line being read, cell by cell
    for token in _tokens(el):
        if token is _BREAK:
            if cell or len(cells) > 1:  # an empty line makes no paragraph
                _flush(cells, result)
                cell = []
                cells = [cell]
        elif token is _CELL:
            cell = []
            cells.append(cell)
        else:
            cell.append(token)  # type: ignore[arg-type]
    if cell or len(cells) > 1:
        _flush(cells, result)
    return result


def paragraphs(el: etree._Element) -> list[str]:
    """Return the normalised block-level paragraphs of `el` in document order."""
    return [p.text for p in styled_paragraphs(el)]


def block_text(el: etree._Element | None) -> str:
    """Return the normalised text of `el`, one line per block or `<br>`-separated line."""
    if el is None:
        return ""
    return "\n".join(paragraphs(el))
