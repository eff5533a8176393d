"""What every page parser shares: the error, HTML loading, signature splitting, the protocol."""

from __future__ import annotations

import codecs
import functools
import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, runtime_checkable
from urllib.parse import SplitResult, urldefrag, urljoin, urlsplit

import lxml.html
from lxml import etree

from scraper.parsers.text import Paragraph, fold_accents, normalize_text, text_of

__all__ = [
    "MAX_HTML_BYTES",
    "PageMarks",
    "PageParser",
    "ParseError",
    "author_label",
    "current_marks",
    "decode_html",
    "join_url",
    "load_html",
    "memoized",
    "needs",
    "needs_class",
    "page_marks",
    "per_page",
    "placeholder",
    "source_label",
    "split_signature",
    "without_redirect",
]

logger = logging.getLogger(__name__)

MAX_HTML_BYTES = 32 * 1024 * 1024
"""Pages beyond this size are cut before parsing: a record from the first 32 MB, not a crash."""

_SNIFF_BYTES = 4096
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_MARKUP = re.compile(r"<\s*(?:[a-zA-Z][a-zA-Z0-9]*[\s/>]|!doctype)", re.I)
_MARKUP_BYTES = re.compile(rb"<\s*(?:[a-zA-Z][a-zA-Z0-9]*[\s/>]|!doctype)", re.I)
_INVALID_ENCODING = etree.ErrorTypes.ERR_INVALID_ENCODING
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF file"),
    (b"PK\x03\x04", "a ZIP/Office file"),
    (b"\xd0\xcf\x11\xe0", "an OLE/Word file"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "gzip data"),
    (b"RIFF", "a RIFF media file"),
)
# Bytes counted as binary controls: everything but 0x00-0x08 and 0x0e-0x1f is deleted.
_NOT_CONTROL = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32))
# Đ/đ in Windows-1258 are Ð/ð in Windows-1252: common in Vietnamese, rare anywhere else.
_VIETNAMESE_CP1258 = re.compile(rb"[\xd0\xf0]")
# WHATWG: these labels mean windows-1252 in browsers.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
}


class ParseError(Exception):
    """Raised when input is not a parsable page."""


@runtime_checkable
class PageParser(Protocol):
    """A parser module for one CMS family: `CMS_NAME`, `detect()` and `parse()`."""

    CMS_NAME: str

    def detect(self, doc: lxml.html.HtmlElement, url: str) -> bool:
        """Return True if `doc` is a detail page this family parses."""
        ...

    def parse(self, doc: lxml.html.HtmlElement, url: str) -> dict[str, Any]:
        """Return a full record (`scraper.record.empty_record`) for `doc`."""
        ...


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[: _SNIFF_BYTES * 4])
    return _codec(match.group(1).decode("ascii", "ignore")) if match else None


def _binary_reason(data: bytes) -> str | None:
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            return what
    head = data[:_SNIFF_BYTES]
    controls = len(head.translate(None, _NOT_CONTROL))
    if controls * 10 > len(head):
        return "binary data"
    return None


def decode_html(data: bytes, *, encoding: str | None = None) -> str:
    """Decode page bytes: BOM, then UTF-8 if valid, then the declared charset, then cp1258."""
    return _decode_html(data, encoding)[0]


def _decode_html(data: bytes, encoding: str | None) -> tuple[str, bool]:
    """Return `decode_html(data)` and whether it is `data` read as UTF-8, whole."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(name, "replace"), False
    reason = _binary_reason(data)
    if reason:
        raise ParseError(f"not HTML: {reason}")
    # Valid UTF-8 with non-ASCII bytes is UTF-8 whatever the page declares: legacy bytes
    # almost never form valid multi-byte sequences by accident.
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError as exc:
        # a page cut in the middle of a character is still UTF-8
        if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            return data[: exc.start].decode("utf-8"), False
    for name in (_codec(encoding), _declared_charset(data)):
        if name and name not in ("utf-8", "utf-16", "utf-16-le", "utf-16-be"):
            if name == "cp1252" and _VIETNAMESE_CP1258.search(data):
                # "iso-8859-1" on a Vietnamese page: the bytes are Windows-1258 (đ, not ð)
                name = "cp1258"
            try:
                return data.decode(name), False
            except UnicodeDecodeError:
                continue
    for name in ("cp1258", "cp1252"):
        try:
            return data.decode(name), False
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace"), False


_parsers = threading.local()


def _html_parser() -> etree.HTMLParser:
    """Return this thread's HTML parser (lxml parsers must not be shared across threads).

    Every element is an `lxml.html.HtmlElement`, found by lxml's C-level default lookup
    rather than `lxml.html`'s per-element Python lookup (which only adds form-field classes
    the parsers do not use): element proxies cost a fifth as much.
    """
    parser = getattr(_parsers, "html", None)
    if parser is None:
        parser = etree.HTMLParser(
            encoding="utf-8", huge_tree=True, remove_comments=False, collect_ids=False
        )
        parser.set_element_class_lookup(
            etree.ElementDefaultClassLookup(element=lxml.html.HtmlElement)
        )
        _parsers.html = parser
    return parser


def _utf8_page(data: bytes) -> lxml.html.HtmlElement | None:
    """Return the page parsed straight from its bytes if it is plainly UTF-8 HTML, else None.

    libxml2 checks the UTF-8 as it parses, so valid pages (nearly all) are not also decoded
    into a Python string first. Anything else (a BOM, NUL bytes, binary data, text or an XML
    declaration before the markup, bytes that are not UTF-8) is left to `load_html`'s
    decoding path, which gives the same tree for the pages this takes.
    """
    head = data[:_SNIFF_BYTES].lstrip()
    if (
        not head.startswith(b"<")
        or head[:5].lower() == b"<?xml"
        or not _MARKUP_BYTES.match(head)
        or b"\x00" in data
        or _binary_reason(data)
    ):
        return None
    parser = _html_parser()
    try:
        doc = etree.fromstring(data, parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    if any(e.type == _INVALID_ENCODING for e in parser.error_log):
        return None
    if doc is None or not isinstance(doc.tag, str):
        return None
    return doc


def load_html(html: str | bytes, *, encoding: str | None = None) -> lxml.html.HtmlElement:
    """Parse a page into an lxml document; raise ParseError if it is not an HTML page."""
    if isinstance(html, (bytes, bytearray, memoryview)):
        data = bytes(html)
        if not data or data.isspace():
            raise ParseError("empty input")
        if len(data) > MAX_HTML_BYTES:
            logger.warning("page of %d bytes cut to %d before parsing", len(data), MAX_HTML_BYTES)
            data = data[:MAX_HTML_BYTES]
        doc = _utf8_page(data)
        if doc is not None:
            return doc
        text, own_utf8 = _decode_html(data, encoding)
    elif isinstance(html, str):
        text, own_utf8 = html, False
        if len(text) > MAX_HTML_BYTES:
            logger.warning("page of %d characters cut to %d", len(text), MAX_HTML_BYTES)
            text = text[:MAX_HTML_BYTES]
    else:
        raise ParseError(f"not HTML: got {type(html).__name__}")
    if text.startswith("\ufeff"):
        text, own_utf8 = text.lstrip("\ufeff"), False
    if not text or text.isspace():
        raise ParseError("empty input")
    if "\x00" in text[:_SNIFF_BYTES] and text[:_SNIFF_BYTES].count("\x00") * 10 > len(
        text[:_SNIFF_BYTES]
    ):
        raise ParseError("not HTML: binary data")
    if not _MARKUP.search(text[: 1024 * 1024]):
        raise ParseError("not HTML: no markup")
    if _XML_DECLARATION.match(text) or "\x00" in text:
        text, own_utf8 = _XML_DECLARATION.sub("", text, count=1).replace("\x00", ""), False
    # bytes that are already this text in UTF-8 go to lxml as they are
    data = data if own_utf8 else text.encode("utf-8", "replace")
    try:
        doc = etree.fromstring(data, _html_parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ParseError(f"not HTML: {str(exc).splitlines()[0] if str(exc) else exc!r}") from exc
    if doc is None or not isinstance(doc.tag, str):
        raise ParseError("not HTML: no document element")
    return doc


# ---- signatures ("Thanh Vi-BTG Thị ủy", "Theo Báo Tây Ninh", "Nguồn: ...") -------------------

_AUTHOR_LABEL = re.compile(
    r"^(?:tac gia(?: bai viet)?|nguoi viet|viet boi|written by|but danh|"
    r"(?:tin|bai)(?:,| va| &)? anh|tin|bai|thuc hien|nhom pv|phong vien|pv|ctv|btv)\s*:\s*"
    r"(?P<value>.+)$"
)
_SOURCE_LABEL = re.compile(r"^\(?\s*(?:nguon(?: tin| bai)?)\s*:\s*(?P<value>.+?)\s*\)?$")
_SOURCE_THEO = re.compile(r"^\(?\s*theo\s+(?P<value>[^,;]+?)\s*\)?$")
_PARENS = re.compile(r"\([^)]*\)")
_SENTENCE_END = re.compile(r"[.!?:;…]$")
MAX_SIGNATURE_CHARS = 80
MAX_SIGNATURE_WORDS = 12
MAX_NAME_WORDS = 6
_UNIT_SEPARATOR = re.compile(r"\s+[-–—]\s+|\s*\(")
MAX_TRAILING = 3
LAST_EDIT = re.compile(r"\b(?:lan cuoi|chinh sua|sua doi luc|last (?:updated|modified))\b")
"""A date line that says it is the last edit ("Cập nhật lần cuối", "Chỉnh sửa"), folded."""
_DAY = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")
MAX_EDIT_LINE = 60
_REPORTER = re.compile(r"^(?:PV|CTV|BTV)\.?\s+(?=[A-ZÀ-Ỹ])")
"""A reporter's signature by its abbreviation: phóng viên, cộng tác viên, biên tập viên."""


def _label_value(match: re.Match[str], original: str) -> str:
    # `_fold` keeps one character per character, so offsets in the folded text carry over.
    value = original[match.start("value") : match.end("value")].strip(" :-–—()")
    return normalize_text(value)


class _CharFoldTable(dict[int, str]):
    """Code point → one lower-case character without diacritics (the character if none)."""

    def __missing__(self, code: int) -> str:
        c = chr(code)
        folded = self[code] = (fold_accents(c).lower() or c)[:1]
        return folded


_CHAR_FOLD = _CharFoldTable()


def _fold(s: str) -> str:
    return s.translate(_CHAR_FOLD)


def author_label(text: str) -> str | None:
    """Return the name a byline labels ("Tác giả: Thanh Hương" → "Thanh Hương"), else None."""
    text = normalize_text(text)
    if len(text) > MAX_SIGNATURE_CHARS * 2:
        return None
    match = _AUTHOR_LABEL.match(_fold(text))
    if not match:
        return None
    return _label_value(match, text).rstrip(".") or None


def source_label(text: str) -> str | None:
    """Return the attribution a line labels ("Nguồn: Báo X", "Theo TTXVN"), else None."""
    text = normalize_text(text)
    if len(text) > MAX_SIGNATURE_CHARS * 2:
        return None
    folded = _fold(text)
    match = _SOURCE_LABEL.match(folded)
    if match:
        return _label_value(match, text).rstrip(".") or None
    match = _SOURCE_THEO.match(folded)
    if not match:
        return None
    value = _label_value(match, text).rstrip(".")
    if len(value) > 60 or not (value[:1].isupper() or "." in value):
        return None
    return value


def looks_like_name(text: str) -> bool:
    """Return True if `text` reads like a signature: a capitalised name, then maybe a unit."""
    text = normalize_text(text)
    if not text or len(text) > MAX_SIGNATURE_CHARS or _SENTENCE_END.search(text):
        return False
    if any(c.isdigit() for c in text) and not re.search(r"[A-ZĐ]{2,}\d", text):
        return False
    words = [w for w in re.split(r"[\s,]+", _PARENS.sub(" ", text)) if w not in ("", "-", "–", "&")]
    if not words or len(words) > MAX_SIGNATURE_WORDS:
        return False
    # "Hữu Phước - Công an thị xã", "Minh Châu (Phòng VH-TT)": judge the name before the unit
    person = _UNIT_SEPARATOR.split(text, maxsplit=1)[0]
    if ":" in person:
        return False  # a label and its value ("Viết bởi: Hữu Danh"), not the name itself
    names = [w for w in re.split(r"[\s,]+", person) if w]
    if not names or len(names) > MAX_NAME_WORDS or not names[0][:1].isupper():
        return False
    capitalised = sum(1 for w in names if w[:1].isupper())
    return capitalised * 4 >= len(names) * 3


_UNIT_SIGNATURE = re.compile(
    r"^(?:van phong|phong|ban|so|trung tam|ubnd|uy ban|dai|hoi|cong an|doan|bo phan|"
    r"bch|ban chi huy|thuong truc)\b"
)
MAX_UNIT_WORDS = 8


def looks_like_unit(text: str) -> bool:
    """Return True if `text` reads like an office signing a notice ("Văn phòng HĐND-UBND xã")."""
    text = normalize_text(text)
    if not text or len(text) > MAX_SIGNATURE_CHARS or _SENTENCE_END.search(text):
        return False
    if len(text.split()) > MAX_UNIT_WORDS or not text[:1].isupper():
        return False
    return bool(_UNIT_SIGNATURE.match(_fold(text)))


def split_signature(
    paragraphs: Sequence[Paragraph | str], extra_candidates: Sequence[str] = ()
) -> tuple[list[str], str | None, str | None]:
    """Split trailing signature/source lines off a body: `(body_paragraphs, author, source)`.

    `extra_candidates` are byline lines found outside the body ("Tác giả bài viết: X",
    "Nguồn tin: Y"); their labelled values win over what the body's last lines suggest.
    """
    items = [p if isinstance(p, Paragraph) else Paragraph(normalize_text(p)) for p in paragraphs]
    items = [p for p in items if p.text]
    author: str | None = None
    source: str | None = None
    for line in extra_candidates:
        line = normalize_text(line)
        if not line:
            continue
        labelled = author_label(line)
        author = author or labelled
        if not labelled:
            source = source or source_label(line)
    body_author: str | None = None
    body_source: str | None = None
    trailing = 0
    while items and trailing < MAX_TRAILING and len(items) > 1:
        last = items[-1]
        if (
            len(last.text) <= MAX_EDIT_LINE
            and _DAY.search(last.text)
            and LAST_EDIT.search(_fold(last.text))
        ):
            items.pop()  # "Cập nhật lần cuối: 16/05/2024": the template's, not the article's
            continue
        labelled_author = author_label(last.text)
        labelled_source = None if labelled_author else source_label(last.text)
        if labelled_author and body_author is None:
            body_author = labelled_author
        elif labelled_source and body_source is None:
            body_source = labelled_source
        elif (
            body_author is None
            and (last.bold or last.right)
            and (
                looks_like_name(last.text)
                or (last.bold and last.right and looks_like_unit(last.text))
            )
        ):
            body_author = last.text
        elif (
            body_author is None
            and (reporter := _REPORTER.match(last.text))
            and looks_like_name(last.text[reporter.end() :])
        ):
            body_author = last.text  # "PV. Lan Anh", "CTV Minh Hà": signed in any style
        else:
            break
        items.pop()
        trailing += 1
    return [p.text for p in items], author or body_author, source or body_source


# ---- what a page holds, for cheap negative checks before full-tree XPath scans ---------------

# every class attribute end to end, one string built by libxml2: a fragment found across two
# values only costs a scan that then finds nothing (`has` may say yes, never a wrong no)
_CLASS_TEXT = etree.XPath(
    "str:concat(/descendant::*/@class)",
    namespaces={"str": "http://exslt.org/strings"},
    smart_strings=False,
)
_ID_VALUES = etree.XPath("/descendant::*/@id", smart_strings=False)
_ITEMTYPE_VALUES = etree.XPath("/descendant::*/@itemtype", smart_strings=False)
_ITEMPROP_VALUES = etree.XPath("/descendant::*/@itemprop", smart_strings=False)
_BASE_HREFS = etree.XPath("//base/@href", smart_strings=False)
_marks = threading.local()


class PageMarks:
    """Every class, id and itemtype value of one page, read once on demand.

    A selector such as `//*[has_class('lawh3')]` cannot match when no class attribute
    contains "lawh3"; one `//@class` pass answers that for every such selector. The marks
    hold for the page as parsed: parsers change copies (`clean_main_text`), never the page.
    """

    def __init__(self, doc: etree._Element) -> None:
        self.doc = doc
        self.selected: dict[str, Any] = {}
        self._memo: dict[Any, Any] = {}

    @functools.cached_property
    def classes(self) -> str:
        """Every class attribute of the page, end to end."""
        return str(_CLASS_TEXT(self.doc))

    @functools.cached_property
    def ids(self) -> frozenset[str]:
        """Every id attribute value of the page."""
        return frozenset(_ID_VALUES(self.doc))  # type: ignore[arg-type]

    @functools.cached_property
    def itemtypes(self) -> frozenset[str]:
        """Every itemtype attribute value of the page."""
        return frozenset(_ITEMTYPE_VALUES(self.doc))  # type: ignore[arg-type]

    @functools.cached_property
    def itemprops(self) -> frozenset[str]:
        """Every itemprop attribute value of the page."""
        return frozenset(_ITEMPROP_VALUES(self.doc))  # type: ignore[arg-type]

    @functools.cached_property
    def base_hrefs(self) -> list[str]:
        """The `href` of every `<base>` of the page."""
        return _BASE_HREFS(self.doc)  # type: ignore[return-value]

    @functools.cached_property
    def resources(self) -> dict[str, str]:
        """Script `src`, script text, link `href`, meta `content`, input `name`: one per line.

        One walk over those elements instead of one XPath scan per CMS marker.
        """
        found: dict[str, list[str]] = {kind: [] for kind in RESOURCE_KINDS}
        for el in self.doc.iter("script", "link", "meta", "input"):
            tag = el.tag
            if tag == "script":
                found["src"].append(el.get("src") or "")
                found["script"].append("".join(el.itertext()))
            elif tag == "link":
                found["href"].append(el.get("href") or "")
            elif tag == "meta":
                found["content"].append(el.get("content") or "")
            else:
                found["name"].append(el.get("name") or "")
        return {kind: "\n".join(values) for kind, values in found.items()}

    def any_class(self, *fragments: str) -> bool:
        """Return True if some class attribute contains one of `fragments`."""
        return any(f in self.classes for f in fragments)

    def has(self, kind: str, fragment: str) -> bool:
        """Return True if the page may hold `fragment` as `kind` (see `needs`)."""
        if kind == "class":
            return fragment in self.classes
        if kind == "id":
            return fragment in self.ids
        if kind == "id-prefix":
            return any(i.startswith(fragment) for i in self.ids)
        return fragment in self.resources[kind]

    def remember(self, key: Any, compute: Callable[[], Any]) -> Any:
        """Return `compute()`, computed once per page for `key`."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def matches(self, xpath: str) -> bool:
        """Return True if `xpath` selects anything in the page (`select` evaluates it once)."""
        return bool(select(self.doc, xpath))


def per_page(function: Callable[[etree._Element], Any]) -> Callable[[etree._Element], Any]:
    """Cache `function(doc)` for the page being parsed (detection and the parser both ask)."""

    @functools.wraps(function)
    def wrapper(doc: etree._Element) -> Any:
        marks = getattr(_marks, "last", None)
        if marks is None or marks.doc is not doc:
            return function(doc)
        return marks.remember(function, lambda: function(doc))

    return wrapper


def current_marks(doc: etree._Element) -> PageMarks | None:
    """Return the `PageMarks` of `doc` if it is the page being parsed, else None."""
    marks = getattr(_marks, "last", None)
    return marks if marks is not None and marks.doc is doc else None


def page_marks(doc: etree._Element) -> PageMarks:
    """Return the `PageMarks` of `doc` (the document element), kept for the current page."""
    marks = getattr(_marks, "last", None)
    if marks is None or marks.doc is not doc:
        marks = _marks.last = PageMarks(doc)
    return marks


# ---- small helpers every family uses -----------------------------------------------------------


def memoized(method: Any) -> Any:
    """Cache a page object's zero-argument method on the instance (fields call each other)."""
    slot = f"_memo_{method.__name__}"

    @functools.wraps(method)
    def wrapper(self: Any) -> Any:
        try:
            return self.__dict__[slot]
        except KeyError:
            value = self.__dict__[slot] = method(self)
            return value

    return wrapper


def has_class(name: str) -> str:
    """Return an XPath predicate body matching elements whose class list contains `name`."""
    # the plain `contains` first: same answer, but it spares libxml2 building the padded
    # string on every element whose class cannot match
    return f"(contains(@class, '{name}') and contains(concat(' ', normalize-space(@class), ' '), ' {name} '))"


@functools.lru_cache(maxsize=2048)
def compiled_xpath(xpath: str) -> etree.XPath:
    """Return `xpath` compiled (once per process: `el.xpath(str)` compiles on every call)."""
    # no selector calls the EXSLT regular-expression functions: not registering them spares
    # every evaluation a little
    try:
        xpath = descendant_form(xpath)
    except ValueError:  # unbalanced: libxml2 reports it as it is written
        pass
    return etree.XPath(xpath, regexp=False)


# ---- `//x[p]` as `/descendant::x[p]` -------------------------------------------------------------

# `a//x[p]` is `a/descendant-or-self::node()/child::x[p]`: libxml2 collects every node below
# `a` (text nodes too) before testing `x`, unless the step has no predicate. When no predicate
# of the step depends on position (`[1]`, `[last()]`, a number), `a/descendant::x[p]` selects
# the same nodes in the same order, in one pass.
_NAME_STEP = re.compile(r"\*|[A-Za-z_][\w.\-]*(?![\w.\-]*\s*(?:\(|::))")
_NUMERIC_CALL = re.compile(
    r"\b(?:position|last|count|sum|number|string-length|floor|ceiling|round)\s*\("
)
_NUMBER = re.compile(r"(?<![\w\-])\.?\d")
_ARITHMETIC = re.compile(r"\+|\bdiv\b|\bmod\b|\$|(?:^|[\s(\[,])-")
_AFTER_OPERATOR = re.compile(r"(?:^|[/(\[|,=<>!:]|\bor|\band)$")


def _literal_end(xpath: str, i: int) -> int:
    return xpath.index(xpath[i], i + 1) + 1


def _outside_literals(xpath: str, start: int = 0) -> Iterator[int]:
    """Yield the indices of `xpath`'s characters from `start` that are not in a string literal."""
    i = start
    while i < len(xpath):
        if xpath[i] in "'\"":
            i = _literal_end(xpath, i)
            continue
        yield i
        i += 1


def _predicate_end(xpath: str, start: int) -> int:
    """Return the index after the `]` closing the predicate that opens at `xpath[start]`."""
    depth = 0
    for i in _outside_literals(xpath, start):
        if xpath[i] == "[":
            depth += 1
        elif xpath[i] == "]":
            depth -= 1
            if depth == 0:
                return i + 1
    raise ValueError(f"unbalanced predicate in {xpath!r}")


def _top_level(predicate: str) -> str:
    """Return `predicate` without its literals' text and without nested predicates."""
    out: list[str] = []
    i = depth = 0
    while i < len(predicate):
        c = predicate[i]
        if c in "'\"":
            end = _literal_end(predicate, i)
            out.append("''" if depth == 0 else "")
            i = end
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
        elif depth == 0:
            out.append(c)
        i += 1
    return "".join(out)


def _may_be_positional(predicate: str) -> bool:
    """Return False only for a predicate that cannot be a number or read the position."""
    top = _top_level(predicate)
    if _NUMERIC_CALL.search(top) or _NUMBER.search(top) or _ARITHMETIC.search(top):
        return True
    # `*` is a name test after an operator or a path step, a multiplication anywhere else
    return any(
        not _AFTER_OPERATOR.search(top[: star.start()].rstrip()) for star in re.finditer(r"\*", top)
    )


_LITERAL = r"'[^']*'"
_NOT_BLANK = r"'[^']*[^'\s][^']*'"
_ATTRIBUTE = re.compile(r"@([A-Za-z_][\w.\-]*)")


@functools.cache
def _attribute_predicate(name: str) -> re.Pattern[str]:
    """A predicate of and/or-joined tests of attribute `name`, each false where it is absent."""
    a = rf"@{re.escape(name)}(?![\w.\-])"
    test = (
        rf"contains\(\s*{a}\s*,\s*{_NOT_BLANK}\s*\)"
        rf"|starts-with\(\s*{a}\s*,\s*{_NOT_BLANK}\s*\)"
        rf"|contains\(\s*concat\(\s*' '\s*,\s*normalize-space\(\s*{a}\s*\)\s*,\s*' '\s*\)\s*,"
        rf"\s*{_NOT_BLANK}\s*\)"
        rf"|{a}\s*=\s*{_LITERAL}"
        rf"|{a}"
    )
    return re.compile(rf"(?:\s+|\(|\)|\band\b|\bor\b|{test})+")


def _attribute_step(predicate: str) -> str:
    """Return `[p]`, or `/@a[p']/parent::*` when `p` only tests attribute `a`.

    Such a test (has_class, `contains(@class, '…')`, `@id='…'`, joined by and/or) is false
    where the attribute is absent, so it can run on the few such attributes rather than on
    every element; the parents come back in document order, each once.
    """
    names = {m[1] for m in _ATTRIBUTE.finditer(predicate)}
    if len(names) != 1 or any("@" in literal for literal in re.findall(_LITERAL, predicate)):
        return f"[{descendant_form(predicate)}]"
    name = names.pop()
    if not _attribute_predicate(name).fullmatch(predicate):
        return f"[{descendant_form(predicate)}]"
    own = re.sub(rf"@{re.escape(name)}(?![\w.\-])", ".", predicate)
    return f"/@{name}[{own}]/parent::*"


def descendant_form(xpath: str) -> str:
    """Return `xpath` with each `//x[p]` whose predicates ignore position as `/descendant::x[p]`."""
    out: list[str] = []
    i = 0
    while i < len(xpath):
        c = xpath[i]
        if c in "'\"":
            end = _literal_end(xpath, i)
            out.append(xpath[i:end])
            i = end
            continue
        if xpath.startswith("//", i):
            step = _NAME_STEP.match(xpath, i + 2)
            if step:
                end, predicates = step.end(), []
                while end < len(xpath) and xpath[end] == "[":
                    close = _predicate_end(xpath, end)
                    predicates.append(xpath[end + 1 : close - 1])
                    end = close
                if predicates and not any(_may_be_positional(p) for p in predicates):
                    out.append("/descendant::" + xpath[i + 2 : step.end()])
                    out.append(_attribute_step(predicates[0]))
                    out.extend(f"[{descendant_form(p)}]" for p in predicates[1:])
                    i = end
                    continue
            out.append("//")
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


_CLASS_OPERAND = re.compile(
    r"contains\(@class, '([^']+)'\)"
    r"|\(contains\(@class, '([^']+)'\) and contains\(concat\(' ', normalize-space\(@class\), ' '\),"
    r" ' [^']+ '\)\)"
)


def _top_level_or(predicate: str) -> list[str]:
    """Return `predicate` split at its top-level ` or ` (outside parentheses and literals)."""
    parts: list[str] = []
    depth = start = i = 0
    while i < len(predicate):
        c = predicate[i]
        if c in "'\"":
            i = _literal_end(predicate, i)
            continue
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0 and predicate.startswith(" or ", i):
            parts.append(predicate[start:i])
            start = i = i + 4
            continue
        i += 1
    parts.append(predicate[start:])
    return parts


@functools.lru_cache(maxsize=2048)
def class_alternatives(xpath: str) -> tuple[tuple[int, int, tuple[tuple[str, str], ...]], ...]:
    """Return the predicates of `xpath` that are or-joined class tests, with their fragments.

    Each is `(start, end, ((operand, fragment), ...))`, `xpath[start:end]` the predicate's text.
    """
    groups = []
    try:
        for i in _outside_literals(xpath):
            if xpath[i] == "[":
                end = _predicate_end(xpath, i) - 1
                operands = _top_level_or(xpath[i + 1 : end])
                found = [(o, _CLASS_OPERAND.fullmatch(o.strip())) for o in operands]
                if all(m for _, m in found):
                    groups.append((i + 1, end, tuple((o, m[1] or m[2]) for o, m in found if m)))
    except ValueError:  # unbalanced: left whole, for libxml2 to report as written
        return ()
    return tuple(groups)


def prune_classes(xpath: str, classes: str) -> str:
    """Return `xpath` without the class alternatives no class attribute of the page can hold."""
    groups = class_alternatives(xpath)
    if not groups:
        return xpath
    out: list[str] = []
    last = 0
    for start, end, operands in groups:
        alive = [o for o, fragment in operands if fragment in classes]
        if len(alive) == len(operands):
            continue
        out.append(xpath[last:start])
        out.append(" or ".join(alive) if alive else "false()")
        last = end
    if not out:
        return xpath
    out.append(xpath[last:])
    return "".join(out)


RESOURCE_KINDS = ("src", "script", "href", "content", "name")
"""What `PageMarks.resources` collects: script src and text, link href, meta content, input name."""
_NEEDS: dict[str, tuple[tuple[str, str], ...]] = {}


def needs(xpath: str, *alternatives: tuple[str, str]) -> str:
    """Return `xpath`, noted as selecting nothing on a page that has none of `alternatives`.

    An alternative is `(kind, fragment)`: "class" (in some class attribute), "id" (an id),
    "id-prefix" (the start of an id), or one of `RESOURCE_KINDS` (in some such value).
    `select(doc, xpath)` on the page being parsed skips the scan when `PageMarks` shows none.
    """
    _NEEDS[xpath] = alternatives
    return xpath


def needs_class(xpath: str, *fragments: str) -> str:
    """Return `xpath`, noted as selecting nothing where no class attribute has a `fragment`."""
    return needs(xpath, *(("class", f) for f in fragments))


def select(el: etree._Element, xpath: str) -> list[Any]:
    """Return `el.xpath(xpath)`, compiling each selector once per process.

    On the page being parsed, a selector from the document element is evaluated once: the
    detection and the parser of a family ask for the same elements.
    """
    marks = getattr(_marks, "last", None)
    if marks is None or marks.doc is not el:
        return compiled_xpath(xpath)(el)  # type: ignore[return-value]
    found = marks.selected.get(xpath)
    if found is None:
        alternatives = _NEEDS.get(xpath)
        if alternatives is not None:
            for kind, fragment in alternatives:
                if marks.has(kind, fragment):
                    break
            else:
                return []
        found = marks.selected[xpath] = compiled_xpath(prune_classes(xpath, marks.classes))(el)
    return list(found) if isinstance(found, list) else found


def first(doc: etree._Element, xpaths: Sequence[str]) -> etree._Element | None:
    """Return the first element matched by the first XPath (in order) that matches anything."""
    for xpath in xpaths:
        found = select(doc, xpath)
        for item in found:
            if isinstance(item, etree._Element):
                return item
    return None


def meta_content(doc: etree._Element, key: str) -> str | None:
    """Return the normalised `content` of `<meta name|property=key>`, or None."""
    for el in doc.iter("meta"):
        if key in (el.get("name"), el.get("property"), el.get("itemprop")):
            value = normalize_text(el.get("content") or "")
            if value:
                return value
    return None


def absolute_url(base: str, href: str | None) -> str | None:
    """Return `href` resolved against `base`, or None for empty, fragment or script links."""
    href = (href or "").strip()
    if not href or href.startswith("#") or href.lower().startswith(("javascript:", "mailto:")):
        return None
    try:
        return join_url(base, href)
    except ValueError:
        return None


# Characters `urlsplit`/`urlunsplit` give back as they are: no fragment, no params (`;`), no
# whitespace or controls (removed), no brackets (IPv6 hosts, checked), nothing beyond ASCII.
_PLAIN_URL = re.compile(r"[A-Za-z0-9\-._~/:?=&%+,!$'()*@]*")
_JOINED_SCHEMES = frozenset({"http", "https", "file"})


def join_url(base: str, href: str) -> str:
    """Return `urldefrag(urljoin(base, href)).url`, without parsing plain links twice.

    An absolute `http(s)://host...` link and a root-relative `/path` link made of plain
    characters (no dot segment, no empty query) come out of `urljoin` unchanged, or after the
    base's scheme and host; a plain relative-path link after the base's directory; anything
    else goes through `urljoin`. Raises ValueError as it does.
    """
    if base and href and _PLAIN_URL.fullmatch(href) and not href.endswith("?"):
        parts = urlsplit(base)  # cached; raises for a base `urljoin` cannot read either
        if href.startswith(("http://", "https://")):
            if href[href.index("//") + 2 :][:1] not in ("", "/", "?"):
                return href
        elif href.startswith("/") and not href.startswith("//") and "/." not in href:
            if parts.scheme in _JOINED_SCHEMES:
                return f"{parts.scheme}://{parts.netloc}{href}"
        elif href[0] not in "?:" and ":" not in href:
            joined = _join_relative(parts, href)
            if joined is not None:
                return joined
    return urldefrag(urljoin(base, href)).url


def _join_relative(base: SplitResult, href: str) -> str | None:
    """Return a plain relative-path link (`a/b.php?x=1`) joined to `base` as `urljoin` does.

    The base is a web page's (`http(s)://host/...`) or a saved file's (`file:///...`). None
    when `urljoin` would also drop or resolve segments: an empty, `.` or `..` segment in the
    link or in the base's directory, or a base path with parameters (`;`).
    """
    web = base.scheme in ("http", "https") and base.netloc
    saved = base.scheme == "file" and base.path.startswith("/")
    if not (web or saved) or ";" in base.path:
        return None
    path, _, query = href.partition("?")
    segments = path.split("/")
    if "." in segments or ".." in segments or "" in segments[:-1]:
        return None
    directory = base.path[: base.path.rfind("/") + 1]
    inner = directory.split("/")[1:-1]
    if "" in inner or "." in inner or ".." in inner:
        return None
    joined = f"{base.scheme}://{base.netloc}{directory or '/'}{path}"
    return f"{joined}?{query}" if query else joined


def document_base(doc: etree._Element, url: str) -> str:
    """Return the URL relative links of `doc` resolve against (`<base href>` or `url`)."""
    marks = getattr(_marks, "last", None)
    base = marks.base_hrefs if marks is not None and marks.doc is doc else _BASE_HREFS(doc)
    return absolute_url(url, str(base[0])) or url if base else url


def without_redirect(url: str) -> str:
    """Return `url` without the query fields that only say where to go back to.

    Liferay adds `redirect=` (or `_<portlet>_redirect=`) to every asset link: the same
    article under as many addresses as there are pages that list it.
    """
    head, mark, rest = url.partition("?")
    if not mark or "redirect" not in rest.lower():
        return url
    query, hash_mark, fragment = rest.partition("#")
    kept = [f for f in query.split("&") if not f.partition("=")[0].lower().endswith("redirect")]
    return head + ("?" + "&".join(kept) if kept else "") + hash_mark + fragment


def on_web(url: str) -> bool:
    """Return True for an `http(s)://` address (any case), not a saved file's or a script's."""
    return url[:8].lower().startswith(("http://", "https://"))


_SAVED_FROM = re.compile(r"^\s*saved from url=\(\s*\d+\s*\)\s*(\S+)\s*$", re.I)


def _saved_from(doc: etree._Element) -> list[str]:
    """The address in a browser's `<!-- saved from url=(0043)https://... -->` comment."""
    head = doc.find("head")
    comments = (
        *doc.itersiblings(etree.Comment, preceding=True),
        *doc.iterchildren(etree.Comment),
        *(head.iterchildren(etree.Comment) if head is not None else ()),
    )
    return [m.group(1) for c in comments if (m := _SAVED_FROM.match(c.text or ""))]


def declared_url(doc: etree._Element) -> str | None:
    """Return a saved page's own absolute address: saved-from comment, canonical, og:url."""
    canonical: list[str] = []
    og_url: list[str] = []
    for el in doc.iter("link", "meta"):
        if el.tag == "link":
            if "canonical" in (el.get("rel") or "").lower().split():
                canonical.append(el.get("href") or "")
        elif el.get("property") == "og:url":
            og_url.append(el.get("content") or "")
    for value in (*_saved_from(doc), *canonical, *og_url):
        value = value.strip()
        if not on_web(value):
            continue
        try:
            if urlsplit(value).netloc:
                return urldefrag(value).url
        except ValueError:
            continue
    return None


def strip_site_name(title: str, site_name: str | None) -> str:
    """Return a `<title>` without its trailing " - Site name"."""
    if site_name and title.endswith(site_name):
        title = title[: -len(site_name)].rstrip(" -–|»:")
    return title.strip() or title


def label_pairs(rows: Sequence[etree._Element]) -> list[tuple[str, etree._Element]]:
    """Return `(label, value cell)` for table rows laid out as label, value[, label, value]."""
    pairs: list[tuple[str, etree._Element]] = []
    for row in rows:
        cells = [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
        for label_cell, value_cell in zip(cells[::2], cells[1::2], strict=False):
            label = normalize_text(text_of(label_cell)).rstrip(":").strip()
            if label:
                pairs.append((label, value_cell))
    return pairs


def label_key(label: str) -> str:
    """Return a label folded for lookup: "Số kí hiệu:" → "so ki hieu"."""
    return " ".join(_NOT_LABEL_CHAR.sub(" ", fold_accents(normalize_text(label)).lower()).split())


_NOT_LABEL_CHAR = re.compile(r"[^a-z0-9 ]")

PLACEHOLDERS = frozenset(
    {
        "",
        "n a",
        "na",
        "khong",
        "khong co",
        "dang cap nhat",
        "dang cap nhap",
        "chua cap nhat",
        "chua co",
    }
)
"""Values (folded as `label_key` folds) a field table shows for a field nobody filled in."""


def placeholder(value: str | None) -> bool:
    """Whether a field's value says it is unknown: blank, "N/A", "--", "Đang cập nhật"."""
    return not value or label_key(value) in PLACEHOLDERS


class ArticlePage:
    """What every article page object shares: the numbers it cites and its record.

    Subclasses set `cms_name` and give `url`, `title()`, `published()`, `author()`, `source()`,
    `summary()`, `body()`, `category()`, `attachments()` and, where the portal has them, `tags()`.
    """

    cms_name: str = ""
    url: str

    def tags(self) -> list[str]:
        return []

    def doc_refs(self) -> list[str]:
        from scraper.parsers.docnumbers import find_doc_numbers

        return find_doc_numbers("\n".join(filter(None, [self.summary(), self.body()])))

    def to_item(self) -> dict[str, Any]:
        from scraper.record import empty_record

        return empty_record(
            self.url,
            kind="article",
            cms=self.cms_name,
            title=self.title(),
            published=self.published(),
            author=self.author(),
            source=self.source(),
            summary=self.summary(),
            body=self.body(),
            category=self.category(),
            tags=self.tags(),
            doc_refs=self.doc_refs(),
            attachments=self.attachments(),
        )


def first_date(root: etree._Element, xpaths: Sequence[Any]) -> str | None:
    """The first date that parses in the elements the selectors find, in selector order."""
    from scraper.parsers.dates import parse_vietnamese_date

    for xpath in xpaths:
        for el in select(root, xpath):
            value = parse_vietnamese_date(text_of(el))
            if value:
                return value
    return None


_FOLDER_PAGE = re.compile(r"/(?:default|index|home)\.(?:aspx?|php|html?|jsp)$", re.I)


def section_names(doc: etree._Element, url: str, xpaths: Sequence[str]) -> frozenset[str]:
    """Return the folded names of the breadcrumb items that link to a folder above the page.

    "Văn bản pháp quy" linking to `/VanBanPhapQuy/Pages/default.aspx` names the section of
    `/VanBanPhapQuy/Pages/ChiTiet.aspx?ItemID=7`, never the document shown there.
    """
    page = urlsplit(url)
    base = document_base(doc, url)
    names: set[str] = set()
    for xpath in xpaths:
        for item in select(doc, xpath):
            a = next(item.iter("a"), None)
            href = absolute_url(base, a.get("href")) if a is not None else None
            if not href:
                continue
            link = urlsplit(href)
            folder = _FOLDER_PAGE.sub("/", link.path)
            if (
                link.hostname == page.hostname
                and folder.endswith("/")
                and page.path.startswith(folder)
                and link.path != page.path
            ):
                name = label_key(text_of(item))
                if name:
                    names.add(name)
    return frozenset(names)
