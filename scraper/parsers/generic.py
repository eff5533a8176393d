"""Generic fallback for unknown layouts: schema.org JSON-LD, OpenGraph/meta, then main text.

Also the helpers the other family parsers share: visible dates near a title, breadcrumbs,
attachments, ISO dates in local time, the baochinhphu URL timestamp.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any
from urllib.parse import unquote, urlsplit

import lxml.html
from lxml import etree

from scraper.parsers import xpaths_generic as X
from scraper.parsers.base import (
    LAST_EDIT,
    ArticlePage,
    absolute_url,
    author_label,
    document_base,
    label_key,
    looks_like_name,
    memoized,
    meta_content,
    on_web,
    page_marks,
    per_page,
    placeholder,
    section_names,
    select,
    source_label,
    split_signature,
    strip_site_name,
)
from scraper.parsers.dates import DEFAULT_TZ, document_date, parse_vietnamese_date
from scraper.parsers.docnumbers import cited_numbers
from scraper.parsers.text import (
    BLOCK_TAGS,
    Paragraph,
    fold_accents,
    normalize_text,
    paragraphs,
    styled_paragraphs,
    text_of,
)
from scraper.record import empty_record

__all__ = [
    "CMS_NAME",
    "GenericPage",
    "LabelledDocumentPage",
    "attachments_in",
    "body_parts",
    "breadcrumb_category",
    "clean_main_text",
    "detect",
    "drop",
    "first_of",
    "is_attachment_url",
    "iso_local",
    "json_ld_article",
    "json_ld_objects",
    "main_text_element",
    "memoized",
    "parse",
    "property_rows",
    "select",
    "tag_links",
    "url_date_hint",
    "visible_date_after",
    "visible_date_line_after",
]

logger = logging.getLogger(__name__)

CMS_NAME = "generic"

# /<slug>-115yyMMddHHmmssNNN.htm: baochinhphu.vn / chinhphu.vn ids carry the publish time.
URL_TIMESTAMP = re.compile(r"-\d{3}(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\d{3}\.html?$")
MIN_TEXT_BLOCK = 25
NOT_MAIN_TEXT = frozenset({"nav", "header", "footer", "aside", "noscript", "template"})
"""Text inside these is never the article."""
MIN_BR_LINES = 2
"""A block with this many `<br>` holds its paragraphs as lines."""
"""Blocks shorter than this (characters) do not vote for the main-text container."""
MAX_DATE_LINE = 100
"""A date line under a title is short; a longer text node means the body has begun."""
DATE_LINE_WINDOW = 8
"""How many text nodes after the title may hold the visible date."""
MAX_LINK_DENSITY = 0.5
MIN_TITLE_CHARS = 10
"""Headings shorter than this ("Tin tức") are section names, not article titles."""
MIN_META_SUMMARY = 40
"""A meta description shorter than this is a site slogan, not a summary."""
MAX_LABEL_CHARS = 30
"""Attachment headings ("File đính kèm:") are short; longer paragraphs are not checked."""
LOGIN_NAME = re.compile(r"^[a-z0-9_.\-]+$")


# ---- shared helpers ---------------------------------------------------------------------------


def first_of(el: etree._Element, xpaths: Sequence[str]) -> etree._Element | None:
    """Return the first element matched by the first of `xpaths` that matches one."""
    for xpath in xpaths:
        for item in select(el, xpath):
            if isinstance(item, etree._Element):
                return item
    return None


def iso_local(value: str | None, tz: str = DEFAULT_TZ) -> str | None:
    """Return an ISO 8601 date-time moved to local time (`+07:00`); bare dates stay as they are."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return parse_vietnamese_date(value, tz=tz)
    sign = 1 if tz[0] == "+" else -1
    hours, minutes = int(tz[1:3]), int(tz[4:6])
    local = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local)
    return parsed.astimezone(local).replace(microsecond=0).isoformat()


def url_date_hint(url: str, tz: str = DEFAULT_TZ) -> str | None:
    """Return the publish time carried by a baochinhphu-style id (`-115yyMMddHHmmssNNN.htm`)."""
    match = URL_TIMESTAMP.search(urlsplit(url).path)
    if not match:
        return None
    yy, month, day, hour, minute, second = (int(g) for g in match.groups())
    try:
        stamp = dt.datetime(2000 + yy, month, day, hour, minute, second)
    except ValueError:
        return None
    return f"{stamp.isoformat()}{tz}"


def visible_text(el: etree._Element) -> str:
    """Return the normalised text of `el` without what it hides (`display:none`, `hidden`)."""
    if any(select(el, xpath) for xpath in X.HIDDEN_WITHIN):
        el = copy.deepcopy(el)
        drop(el, X.HIDDEN_WITHIN)
    return _text(el)


def byline_name(elements: Iterable[etree._Element]) -> str | None:
    """Return the first name the byline `elements` give ("Tác giả: X" or X alone), else None."""
    for el in elements:
        text = _text(el)
        name = author_label(text) or text
        if name and looks_like_name(name):
            return name
    return None


def drop(el: etree._Element, xpaths: Iterable[str]) -> None:
    """Remove the elements matched by `xpaths` under `el`, keeping their tails."""
    for xpath in xpaths:
        for node in select(el, xpath):
            if node is el or not isinstance(node, etree._Element) or node.getparent() is None:
                continue
            node.drop_tree() if isinstance(node, lxml.html.HtmlElement) else _remove(node)


def _remove(node: etree._Element) -> None:
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    if tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(node)


def _folded(text: str) -> str:
    return fold_accents(normalize_text(text)).lower()


def _text(el: etree._Element | None) -> str:
    return normalize_text(text_of(el)) if el is not None else ""


_HIDING_CLASSES = frozenset({"hidden", "hide", "d-none", "sr-only", "visually-hidden"})


def is_hidden(el: etree._Element) -> bool:
    """Whether `el` itself is hidden as `X.CHROME` reads it (attribute, style or class)."""
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    classes = el.get("class") or ""
    style = el.get("style")
    if style and "display:none" in style.replace(" ", "") and "ajax__tab_panel" not in classes:
        return True
    return bool(classes) and not _HIDING_CLASSES.isdisjoint(classes.split())


def _lines_after(el: etree._Element) -> Iterator[tuple[str, etree._Element | None]]:
    """Yield the text lines after `el` in reading order: its tail and its next siblings' text
    and tails first (a date typed after a `<br>`), then the following elements.

    Hidden elements are no line a reader sees: NukeViet's microdata carries the edit time.
    """
    if el.tail:
        yield el.tail, None
    for sibling in el.itersiblings():
        if (
            not isinstance(sibling.tag, str)
            or sibling.tag in ("a", "li", "script", "style")
            or is_hidden(sibling)
        ):
            if sibling.tail:
                yield sibling.tail, None
            continue
        if sibling.tag == "time" and sibling.get("datetime"):
            yield "", sibling
        yield text_of(sibling), None
        if sibling.tail:
            yield sibling.tail, None
    for node in select(el, X.DATE_LINES):
        if is_hidden(node) or any(is_hidden(a) for a in node.iterancestors()):
            continue
        if node.tag == "time" and node.get("datetime"):
            yield "", node
        yield " ".join(t for t in select(node, "text()")), None


_SITE_PREFIX_END = (" - ", " | ", " – ", " :: ", " » ", ": ")


_WORD = re.compile(r"\w+")
MIN_SHARED_WORDS = 0.5


def _tells_the_same(text: str, hints: Sequence[str]) -> bool:
    """Whether most of the words of a heading are in one of the metadata's titles."""
    words = _WORD.findall(text.casefold())
    for hint in hints:
        known = set(_WORD.findall(hint.casefold()))
        if words and sum(w in known for w in words) >= MIN_SHARED_WORDS * len(words):
            return True
    return False


def _agrees(hint: str, text: str) -> bool:
    """Whether a heading's `text` is the title `hint` names (`<title>`: "Site - Title" too)."""
    if hint == text or hint.startswith(text) or text.startswith(hint):
        return True
    head = hint[: len(hint) - len(text)]
    return hint.endswith(text) and head.endswith(_SITE_PREFIX_END)


def visible_date_line_after(el: etree._Element, tz: str = DEFAULT_TZ) -> tuple[str, str] | None:
    """Return `(line, ISO date)` of the date shown in the short lines right after `el`."""
    seen = 0
    for raw, time_el in _lines_after(el):
        if time_el is not None:
            if time_el.get("itemprop") == "dateModified":
                continue  # the last edit, not the publication
            value = iso_local(time_el.get("datetime"), tz)
            if value:
                return normalize_text(text_of(time_el)), value
            continue
        line = normalize_text(raw)
        if not line:
            continue
        if len(line) > MAX_DATE_LINE:
            return None
        value = parse_vietnamese_date(line, tz=tz)
        if value and not LAST_EDIT.search(_folded(line)):
            return line, value
        seen += 1
        if seen >= DATE_LINE_WINDOW:
            return None
    return None


DATE_ABOVE_LEVELS = 2
"""How many blocks a title may open before the date line above them (`<header>` then title)."""


def visible_date_line_before(el: etree._Element, tz: str = DEFAULT_TZ) -> tuple[str, str] | None:
    """Return `(line, ISO date)` of a date line just above `el` (K2: the date, then the title).

    A title that opens its block (and that block its own) looks above the block too.
    """
    for _ in range(DATE_ABOVE_LEVELS + 1):
        opens = True  # nothing with text before `el` in its parent
        for seen, sibling in enumerate(el.itersiblings(preceding=True)):
            if seen >= DATE_LINE_WINDOW:
                break
            if not isinstance(sibling.tag, str) or is_hidden(sibling):
                continue
            line = normalize_text(text_of(sibling))
            opens = opens and not line
            if not line or len(line) > MAX_DATE_LINE or LAST_EDIT.search(_folded(line)):
                continue
            value = parse_vietnamese_date(line, tz=tz)
            if value:
                return line, value
        parent = el.getparent()
        if not opens or parent is None or parent.tag == "body":
            break
        if (parent.text or "").strip():
            break
        el = parent
    return None


def visible_date_after(el: etree._Element, tz: str = DEFAULT_TZ) -> str | None:
    """Return the date shown in the short lines right after `el` (the title), before the body."""
    found = visible_date_line_after(el, tz)
    return found[1] if found else None


def breadcrumb_category(
    doc: etree._Element, url: str, title: str | None, xpaths: Sequence[str] = X.BREADCRUMB_ITEMS
) -> str | None:
    """Return the last breadcrumb that is neither home, the page itself nor its title."""
    base = document_base(doc, url)
    for xpath in xpaths:
        names = []
        for item in select(doc, xpath):
            name = _text(item).strip(" »>/|")
            links = select(item, "self::a/@href | .//a/@href")
            href = absolute_url(base, str(links[0])) if links else None
            if not name or _folded(name) in X.HOME_CRUMBS or href == url or name == title:
                continue
            names.append(name)
        if names:
            return names[-1]
    return None


def shown_category(doc: etree._Element) -> str | None:
    """Return the value of a labelled category field ("Chuyên mục: X", a Drupal field block)."""
    for block in select(doc, X.FIELD_BLOCKS):
        label = first_of(block, (X.FIELD_BLOCK_LABEL,))
        if label is None or label_key(_text(label)) not in X.CATEGORY_LABELS:
            continue
        for value in select(block, X.FIELD_BLOCK_PARTS):
            if value is not label and _text(value):
                return _text(value)
    return None


def tag_links(doc: etree._Element) -> list[str]:
    """Return the page's visible tags: the links of a tags block, or of one labelled "Từ khóa"."""
    for xpath in X.TAG_LINKS:
        tags = [_text(a) for a in select(doc, xpath)]
        if any(tags):
            return list(dict.fromkeys(t for t in tags if t))
    return []


def is_attachment_url(url: str) -> bool:
    """Return True if `url` points at a document file (`.pdf`, `.docx`, `.pdf.aspx`, ...)."""
    path = unquote(urlsplit(url).path).lower()
    if path.endswith(".aspx"):
        path = path[: -len(".aspx")]
    if path.endswith(X.ATTACHMENT_EXTENSIONS):
        return True
    # Liferay document library: /documents/<group>/<folder>/<file.ext>/<uuid>
    if "/documents/" in path and any(f"{ext}/" in path for ext in X.ATTACHMENT_EXTENSIONS):
        return True
    # Kentico serves a page's attached files as /getattachment/<guid>/<name>.aspx
    if "/getattachment/" in path and not path.endswith(X.IMAGE_EXTENSIONS):
        return True
    # a download handler named with the file: DownloadFile.ashx?fileID=7&name=12_2024_NQ.docx
    query = urlsplit(url).query
    return "." in query and any(
        unquote(value).lower().endswith(X.ATTACHMENT_EXTENSIONS)
        for _, _, value in (field.partition("=") for field in query.split("&"))
    )


def attachments_in(
    elements: Iterable[etree._Element], base: str, *, predicate: Any = None
) -> list[dict[str, str]]:
    """Return `{url, title}` for the file links under `elements`, each URL once."""
    check = predicate or is_attachment_url
    found: dict[str, dict[str, str]] = {}
    for el in elements:
        for a in el.iter("a"):
            url = absolute_url(base, a.get("href"))
            if not url:
                continue
            if check(url):
                text = _text(a)
            else:
                # a media handler's address names no file, its link does (/getmedia/…)
                text = _text(a) if predicate is None else ""
                if not _names_a_file(text):
                    continue
            title = text or unquote(urlsplit(url).path.rsplit("/", 1)[-1])
            found.setdefault(url, {"url": url, "title": title})
    return list(found.values())


MAX_FILE_NAME = 160


def _names_a_file(text: str) -> bool:
    """Whether a link's text is a document's file name ("Bieu-mau-2024.xlsx")."""
    return (
        len(text) <= MAX_FILE_NAME
        and " " not in text
        and text.lower().endswith(X.ATTACHMENT_EXTENSIONS)
    )


def json_ld_objects(doc: etree._Element) -> list[dict[str, Any]]:
    """Return every schema.org object in the page's JSON-LD, `@graph`s flattened."""
    objects: list[dict[str, Any]] = []
    for script in select(doc, X.JSON_LD):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            logger.debug("unreadable JSON-LD skipped")
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.extend(item["@graph"] if isinstance(item["@graph"], list) else [])
                if "@type" in item:
                    objects.append(item)
    return objects


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds if k}


def json_ld_article(doc: etree._Element) -> dict[str, Any] | None:
    """Return the page's JSON-LD article object (NewsArticle, Article, ...), else None."""
    objects = json_ld_objects(doc)
    for wanted in (X.ARTICLE_TYPES - {"webpage"}, {"webpage"}):
        for obj in objects:
            if _types(obj) & wanted and (obj.get("headline") or obj.get("datePublished")):
                return obj
    return None


def _ld_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return normalize_text(str(value)) if value else None


def _link_density(
    el: etree._Element, total: int | None = None, links: Sequence[etree._Element] | None = None
) -> float:
    """Share of `el`'s text inside links; `total` (its normalised text length) and `links`
    (its `a` elements) if known."""
    if total is None:
        total = len(normalize_text(text_of(el)))
    if not total:
        return 0.0
    linked = sum(
        len(normalize_text(text_of(a))) for a in (el.iter("a") if links is None else links)
    )
    return linked / total


def _chrome_like(el: etree._Element, words: Sequence[str]) -> bool:
    marks = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return bool(marks.strip()) and any(w in marks for w in words)


def _own_lines(block: etree._Element) -> tuple[int, int]:
    """Return `(characters, link characters)` of the text lines `block` holds itself.

    Counts its text and its inline children, not its block children; lines shorter than
    `MIN_TEXT_BLOCK` (menus, dates) do not count.
    """
    pieces: list[tuple[str, bool]] = [(block.text or "", False)]
    for child in block:
        if isinstance(child.tag, str) and child.tag not in BLOCK_TAGS and child.tag != "br":
            pieces.append((text_of(child), child.tag == "a" or child.find(".//a") is not None))
        pieces.append((child.tail or "", False))
    total = links = 0
    for text, is_link in pieces:
        size = len(normalize_text(text))
        if size >= MIN_TEXT_BLOCK:
            total += size
            links += size if is_link else 0
    return total, links


def main_text_element(doc: etree._Element) -> etree._Element | None:
    """Return the element that holds the page's main text (paragraph-vote heuristic)."""
    root = doc.find("body")
    if root is None:
        root = doc
    scores: dict[etree._Element, float] = {}

    def vote(el: etree._Element | None, weight: float) -> None:
        if el is not None:
            scores[el] = scores.get(el, 0.0) + weight

    # the blocks inside nav, header, ...: one walk down from each rather than up from each block
    if any(a.tag in NOT_MAIN_TEXT for a in root.iterancestors()):
        return None
    excluded: set[etree._Element] = set()
    for chrome in root.iter(*NOT_MAIN_TEXT):
        if chrome not in excluded:
            excluded.update(chrome.iterdescendants())
    for block in root.iter("p", "div", "td", "pre", "blockquote"):
        if block in excluded:
            continue
        parent = block.getparent()
        if parent is None:
            continue
        if len(list(islice(block.iterchildren("br"), MIN_BR_LINES))) >= MIN_BR_LINES:
            # text typed as lines between <br>: the block is its own container, each line a
            # paragraph that votes for it
            total, links = _own_lines(block)
            vote(block, total - links)
            vote(parent, (total - links) / 2)
            continue
        if any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in block):
            continue
        size = len(normalize_text(text_of(block)))
        if size < MIN_TEXT_BLOCK:
            continue
        weight = size * (1 - _link_density(block, size))
        vote(parent, weight)
        vote(parent.getparent(), weight / 2)
    if not scores:
        return None
    return max(scores, key=lambda el: scores[el])


def clean_main_text(el: etree._Element) -> etree._Element:
    """Return a copy of the main-text element without inner chrome and link lists."""
    el = copy.deepcopy(el)
    drop(el, X.CHROME)
    for node in list(el.iter()):
        if node is el or not isinstance(node.tag, str) or node.getparent() is None:
            continue
        if _chrome_like(node, X.INNER_CHROME):
            _remove(node)
    for node in list(el.iter("div", "ul", "ol", "table", "p", "section")):
        if node is el or node.getparent() is None:
            continue
        links = list(node.iter("a"))
        if len(links) < 2:  # a link list has links: the text is read only where it may be one
            continue
        total = len(normalize_text(text_of(node)))
        if total and _link_density(node, total, links) > MAX_LINK_DENSITY:
            _remove(node)
    return el


MAX_TOOLS_LINE = 80
_TOOLS_LINE = re.compile(
    r"^(?:[\s|:·•\-–]*(?:luot xem|luot doc|in trang|in bai(?: viet)?|ban in|gui email|gui bai|"
    r"chia se|\d[\d.,]*))+[\s|:·•\-–]*$"
)
"""A line of page tools and counters, folded: "- Lượt xem: 356 In trang Gửi email"."""


def body_parts(
    container: etree._Element | None,
    *,
    skip: Iterable[str | None] = (),
    extra_candidates: Sequence[str] = (),
) -> tuple[list[str], str | None, str | None]:
    """Split a cleaned container into `(paragraphs, author, source)`, dropping `skip` lines."""
    if container is None:
        return [], None, None
    skipped = {normalize_text(s) for s in skip if s}
    labels = X.ATTACHMENT_LABELS
    items: list[Paragraph] = []
    for p in styled_paragraphs(container):
        if p.text in skipped:
            continue
        if len(p.text) <= MAX_LABEL_CHARS and _folded(p.text).rstrip(": ") in labels:
            continue
        if len(p.text) <= MAX_TOOLS_LINE and _TOOLS_LINE.match(_folded(p.text)):
            continue
        items.append(p)
    return split_signature(items, extra_candidates)


# ---- the fallback page ------------------------------------------------------------------------


class GenericPage(ArticlePage):
    """An article from an unknown layout: one method per record field, `to_item()`."""

    cms_name = CMS_NAME

    def __init__(self, doc: lxml.html.HtmlElement, url: str) -> None:
        self.doc = doc
        self.url = url
        self.base = document_base(doc, url)
        self.ld = json_ld_article(doc) or {}
        self._title_el: etree._Element | None = None
        self._title: str | None = None

    # -- title ----------------------------------------------------------------------------------

    def _meta_title(self) -> str | None:
        site = meta_content(self.doc, "og:site_name")
        title = meta_content(self.doc, "og:title")
        if not title:
            title_el = self.doc.find(".//title")
            title = _text(title_el) or None
        return strip_site_name(title, site) if title else None

    def _names_the_site(self, text: str) -> bool:
        """Return True if `text` is the site's name (banner, logo, footer), not an article's."""
        wanted = text.casefold()
        if wanted == (meta_content(self.doc, "og:site_name") or "").casefold():
            return True
        for place in select(self.doc, X.SITE_NAME_PLACES):
            value = place if isinstance(place, str) else text_of(place)
            if wanted in normalize_text(str(value)).casefold():
                return True
        return False

    def _heading_near_main_text(self) -> etree._Element | None:
        """Return the heading inside, or else right before, the main-text container."""
        main = self._main_element()
        if main is None:
            return first_of(self.doc, ("//h1",))
        for xpath in (X.HEADINGS_INSIDE, X.HEADING_BEFORE):
            for heading in select(main, xpath):
                if len(_text(heading)) >= MIN_TITLE_CHARS:
                    return heading
        return None

    def title(self) -> str | None:
        if self._title is not None:
            return self._title or None
        hints = [h for h in (_ld_text(self.ld.get("headline")), self._meta_title()) if h]
        title_tag = _text(self.doc.find(".//title"))
        if title_tag:
            hints.append(title_tag)
        best: tuple[str, etree._Element] | None = None
        for xpath in X.TITLE_HEADINGS:
            for heading in select(self.doc, xpath):
                text = _text(heading)
                if len(text) < MIN_TITLE_CHARS:
                    continue
                if any(_agrees(h, text) for h in hints):
                    best = (text, heading)
                    break
            if best:
                break
        if best is None and (not hints or all(self._names_the_site(h) for h in hints)):
            heading = self._heading_near_main_text()
            if heading is not None:
                best = (_text(heading), heading)
        elif best is None:
            # the metadata's title is an SEO one the page does not show: the article's own
            # heading, an h1 at its text, is the title a reader sees
            heading = self._heading_near_main_text()
            if heading is not None and heading.tag == "h1":
                text = _text(heading)
                if (
                    len(text) >= MIN_TITLE_CHARS
                    and not self._names_the_site(text)
                    and _tells_the_same(text, hints)  # not a section's heading ("Tin tức")
                ):
                    best = (text, heading)
        if best is not None:
            self._title, self._title_el = best
        else:
            self._title = hints[0] if hints else ""
        return self._title or None

    # -- dates ----------------------------------------------------------------------------------

    @memoized
    def _date_line(self) -> tuple[str, str] | None:
        """The visible `(line, date)` under the title (or right above it), if the page shows one."""
        self.title()
        if self._title_el is None:
            return None
        return visible_date_line_after(self._title_el) or visible_date_line_before(self._title_el)

    def published(self) -> str | None:
        line = self._date_line()
        if line:
            return line[1]
        for value in (
            self.ld.get("datePublished"),
            meta_content(self.doc, "article:published_time"),
            meta_content(self.doc, "datePublished"),
            meta_content(self.doc, "pubdate"),
        ):
            local = iso_local(str(value)) if value else None
            if local:
                return local
        return url_date_hint(self.url)

    # -- text -----------------------------------------------------------------------------------

    def _summary_element(self) -> etree._Element | None:
        marks = page_marks(self.doc)
        if not (marks.any_class(*X.SUMMARY_CLASSES) or "description" in marks.itemprops):
            return None
        for xpath in X.SUMMARY_ELEMENTS:
            for el in select(self.doc, xpath):
                if el.tag in ("body", "html", "meta") or select(el, "ancestor::li"):
                    continue
                if any(c in (el.get("class") or "") for c in X.NOT_SUMMARY_CLASSES):
                    continue
                if len(_text(el)) >= MIN_META_SUMMARY:
                    return el
        return None

    @memoized
    def summary(self) -> str | None:
        el = self._summary_element()
        if el is not None:
            return visible_text(el)
        for value in (
            _ld_text(self.ld.get("description")),
            meta_content(self.doc, "og:description"),
            meta_content(self.doc, "description"),
        ):
            if value and len(value) >= MIN_META_SUMMARY:
                return value
        return None

    @memoized
    def _main_element(self) -> etree._Element | None:
        return main_text_element(self.doc)

    @memoized
    def container(self) -> etree._Element | None:
        found = self._main_element()
        return clean_main_text(found) if found is not None else None

    @memoized
    def _body_parts(self) -> tuple[list[str], str | None, str | None]:
        line = self._date_line()
        skip = (self.title(), self.summary(), line[0] if line else None)
        return body_parts(self.container(), skip=skip)

    def body(self) -> str | None:
        return "\n\n".join(self._body_parts()[0]) or None

    def author(self) -> str | None:
        signed = self._body_parts()[1]
        if signed:
            return signed
        for xpath in X.AUTHOR_ELEMENTS:
            found = select(self.doc, xpath)
            # a byline block holds the name and more (share links): the innermost one names
            outer = {a for el in found for a in el.iterancestors()}
            name = byline_name(el for el in found if el not in outer)
            if name:
                return name
        for value in (_ld_text(self.ld.get("author")), meta_content(self.doc, "author")):
            if value and looks_like_name(value) and not LOGIN_NAME.match(value):
                return value
        return None

    def source(self) -> str | None:
        signed = self._body_parts()[2]
        if signed:
            return signed
        for xpath in X.SOURCE_ELEMENTS:
            for el in select(self.doc, xpath):
                value = source_label(_text(el))
                if value:
                    return value
        return None

    # -- classification -------------------------------------------------------------------------

    def category(self) -> str | None:
        sections = self.ld.get("articleSection")
        if isinstance(sections, list) and len(sections) > 1:
            # a post in several categories: the one its breadcrumb goes through (WordPress's
            # primary category), if it is one of them
            crumb = breadcrumb_category(self.doc, self.url, self.title())
            if crumb and crumb in {normalize_text(str(s)) for s in sections}:
                return crumb
        section = _ld_text(sections) or meta_content(self.doc, "article:section")
        if section and (on_web(section) or section.startswith("/")):
            section = None  # K2 writes the category's address there, not its name
        return (
            section
            or shown_category(self.doc)
            or breadcrumb_category(self.doc, self.url, self.title())
        )

    def tags(self) -> list[str]:
        declared = self._declared_tags()
        if not declared:
            return tag_links(self.doc)
        # the tags block a reader sees, when it shows every declared tag and more
        shown = tag_links(self.doc)
        folded = {t.casefold() for t in shown}
        if len(shown) > len(declared) and all(t.casefold() in folded for t in declared):
            return shown
        return declared

    def _declared_tags(self) -> list[str]:
        """The tags the page's metadata declares: JSON-LD `keywords`, else `article:tag`."""
        keywords = self.ld.get("keywords")
        if isinstance(keywords, str):
            keywords = keywords.split(",")
        if isinstance(keywords, list):
            tags = [normalize_text(str(k)) for k in keywords]
            if any(tags):
                return list(dict.fromkeys(t for t in tags if t))
        metas = [
            normalize_text(m.get("content") or "")
            for m in self.doc.iter("meta")
            if m.get("property") == "article:tag"
        ]
        return list(dict.fromkeys(t for t in metas if t))

    def attachments(self) -> list[dict[str, str]]:
        found = self._main_element()
        scope = (
            [found.getparent() if found.getparent() is not None else found]
            if found is not None
            else []
        )
        return attachments_in(scope, self.base)


# ---- legal documents with labelled fields ------------------------------------------------------

# "Hà Nội, ngày 27 tháng 11 năm 2015": the place and date line of a document's letterhead.
_DATE_AFTER_PLACE = re.compile(r",\s*ngay\s+\d{1,2}\s+thang\s+\d{1,2}\s+nam\s+\d{4}")


def _place_date(folded: str) -> str | None:
    """Return the first place and date line of `folded` (accent-folded, lower case), or None.

    The line is a place (2 to 40 characters, no comma or line break), a comma, then
    "ngay D thang M nam YYYY"; it is searched from the date, not tried at every position.

    The place cannot hold a comma, so it ends at the comma the date starts with and begins
    after the comma or line break before it (at most 40 characters back, at least 2).
    """
    for date in _DATE_AFTER_PLACE.finditer(folded):
        comma = date.start()
        start = max(folded.rfind(",", 0, comma), folded.rfind("\n", 0, comma)) + 1
        start = max(start, comma - 40)
        if start <= comma - 2:
            return folded[start : date.end()]
    return None


MIN_LABELLED_ROWS = 2


@per_page
def property_rows(doc: etree._Element) -> list[etree._Element]:
    """Return the rows of the tables labelled like a document's fields ("Số ký hiệu"), in order.

    A page may show a few fields above the text and all of them in a tab ("Thuộc tính").
    """
    found: list[etree._Element] = []
    seen: set[etree._Element] = set()
    for xpath in X.DOCUMENT_PROPERTY_TABLES:
        for table in select(doc, xpath):
            if table in seen:
                continue
            seen.add(table)
            rows = [r for r in table.iter("tr") if _closest_table(r) is table]
            if _labels_a_number(rows) and _labels_rows(rows):
                found.extend(rows)
    blocks = select(doc, X.FIELD_BLOCKS)
    if blocks:
        labels = [label_key(_text(first_of(b, (X.FIELD_BLOCK_LABEL,)))) for b in blocks]
        numbered = any(label in _NUMBER_LABELS for label in labels)
        if numbered and sum(label in X.LABELS for label in labels) >= MIN_LABELLED_ROWS:
            found.extend(blocks)
    return found


MAX_LABEL_CELL = 120
"""Characters of a cell's raw text (spaces and all) beyond which it is no field label."""
_NUMBER_LABELS = frozenset(label for label, field in X.LABELS.items() if field == "doc_number")


def _labels_a_number(rows: Sequence[etree._Element]) -> bool:
    """Whether a cell of `rows` is a document-number label ("Số ký hiệu")."""
    for row in rows:
        for cell in row:
            # a layout cell holds a table of its own: never a label, and costly to read whole
            if cell.tag in ("td", "th") and cell.find(".//table") is None:
                raw = text_of(cell)
                if len(raw) <= MAX_LABEL_CELL and label_key(raw) in _NUMBER_LABELS:
                    return True
    return False


def _labels_rows(rows: Sequence[etree._Element]) -> bool:
    """Whether labels open the rows (a fields table), not only head columns (a list of documents).

    A search form lays out the same labels beside its inputs: not a document's fields.
    """
    table = _closest_table(rows[0]) if rows else None
    if table is not None and next(table.iter("input", "select", "textarea"), None) is not None:
        return False
    labelled = 0
    for row in rows:
        cells = [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
        if cells and label_key(_text(cells[0])) in X.LABELS:
            labelled += 1
            if labelled >= MIN_LABELLED_ROWS:
                return True
    return False


def _closest_table(el: etree._Element) -> etree._Element | None:
    for ancestor in el.iterancestors("table"):
        return ancestor
    return None


class LabelledDocumentPage:
    """A legal document with labelled fields (Số ký hiệu, Ngày ban hành, Người ký, ...)."""

    cms = CMS_NAME
    breadcrumb_items: Sequence[str] = X.BREADCRUMB_ITEMS
    attachment_areas: Sequence[str] = X.DOCUMENT_ATTACHMENTS

    def __init__(self, doc: lxml.html.HtmlElement, url: str) -> None:
        self.doc = doc
        self.url = url
        self.base = document_base(doc, url)
        self.rows = property_rows(doc)
        self.fields = self._read_fields()
        self.text_el = first_of(doc, X.DOCUMENT_TEXT)

    def _read_fields(self) -> dict[str, str]:
        fields: dict[str, str] = {}
        for row in self.rows:
            if row.tag == "tr":
                cells = [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
            else:  # a Drupal field: its label, then its items
                cells = list(select(row, X.FIELD_BLOCK_PARTS))
            i = 0
            while i < len(cells):
                key = label_key(_text(cells[i]))
                if key == X.ISSUER_ROLE_SIGNER:
                    values = [_text(c) for c in cells[i + 1 :]]
                    if values and values[0]:
                        fields.setdefault("issuer", values[0])
                    if len(values) > 1 and values[-1]:
                        fields.setdefault("signer", values[-1])
                    break
                field = "cited" if key in X.CITING_LABELS else X.LABELS.get(key)
                if field == "cited" and i + 1 < len(cells):
                    fields["cited"] = "\n".join(
                        filter(None, [fields.get("cited"), _text(cells[i + 1])])
                    )
                    i += 2
                elif field and i + 1 < len(cells):
                    value = _text(cells[i + 1])
                    if not placeholder(value):
                        fields.setdefault(field, value)
                    i += 2
                else:
                    i += 1
        return fields

    def _named_title(self) -> str | None:
        """Return the title a family's own template gives the document, if any."""
        return None

    @memoized
    def title(self) -> str | None:
        named = self._named_title() or self.fields.get("title")
        if named:
            return named
        sections = None
        for value in (
            _text(first_of(self.doc, X.DOCUMENT_TITLE)),
            meta_content(self.doc, "og:title"),
        ):
            if not value:
                continue
            if sections is None:
                sections = section_names(self.doc, self.url, self.breadcrumb_items)
            if label_key(value) not in sections:  # the heading of the list it is in
                return value
        return self.fields.get("summary")  # no title of its own: the trích yếu names it

    @memoized
    def _full_text(self) -> str:
        return "\n".join(paragraphs(self.text_el)) if self.text_el is not None else ""

    def published(self) -> str | None:
        value = document_date(self.fields.get("published"))
        if value:
            return value
        folded = fold_accents(self._full_text()).lower()
        line = _place_date(folded)
        return parse_vietnamese_date(line) if line else None

    def effective(self) -> str | None:
        return document_date(self.fields.get("effective"))

    def expires(self) -> str | None:
        return document_date(self.fields.get("expires"))

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
        parts = [self.fields.get("summary"), self.body(), self.fields.get("cited")]
        return cited_numbers("\n".join(filter(None, parts)), self.fields.get("doc_number"))

    def attachments(self) -> list[dict[str, str]]:
        scope = [r for r in self.rows]
        if self.text_el is not None:
            scope.append(self.text_el)
        for xpath in self.attachment_areas:
            scope.extend(select(self.doc, xpath))
        return attachments_in(scope, self.base)

    def category(self) -> str | None:
        return self.fields.get("category") or breadcrumb_category(
            self.doc, self.url, self.title(), self.breadcrumb_items
        )

    def to_item(self) -> dict[str, Any]:
        return empty_record(
            self.url,
            kind="document",
            cms=self.cms,
            title=self.title(),
            published=self.published(),
            # a document is cited by its signatory, as NukeViet laws records are
            author=self.fields.get("signer"),
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


def detect(doc: lxml.html.HtmlElement, url: str) -> bool:
    """Return True for any page with a body: the generic parser is the fallback."""
    return doc.find("body") is not None


def parse(doc: lxml.html.HtmlElement, url: str) -> dict[str, Any]:
    """Return the record of a page whose CMS no family parser recognises."""
    if property_rows(doc):
        return LabelledDocumentPage(doc, url).to_item()
    return GenericPage(doc, url).to_item()
