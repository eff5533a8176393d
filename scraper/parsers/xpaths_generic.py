"""Selectors for the generic fallback parser and the helpers the other families share."""

from __future__ import annotations

from scraper.parsers.base import has_class, needs, needs_class

# ---- page chrome: never part of an article ----------------------------------------------------

STYLE_HIDDEN = "contains(translate(@style, ' ', ''), 'display:none')"
"""An element its style hides (`display: none`)."""
NOT_A_TAB = "[not(contains(@class, 'ajax__tab_panel'))]"
"""ASP.NET AJAX tabs are hidden in the served page until a script shows them: content, kept."""

CHROME = (
    "//script",
    "//style",
    "//noscript",
    "//template",
    "//form//input",
    "//header",
    "//footer",
    "//nav",
    "//aside",
    "//select",
    "//iframe",
    "//marquee",
    f"//*[{has_class('breadcrumb')} or {has_class('breadcrumbs')}]",
    "//*[@role='navigation' or @role='banner' or @role='contentinfo' or @role='complementary']",
    # hidden blocks: microdata carriers, screen-reader and template leftovers
    "//*[@hidden or @aria-hidden='true']",
    f"//*[{STYLE_HIDDEN}]{NOT_A_TAB}",
    f"//*[{has_class('hidden')} or {has_class('hide')} or {has_class('d-none')} or "
    f"{has_class('sr-only')} or {has_class('visually-hidden')}]",
)
"""Elements dropped before looking for the main text."""

INNER_CHROME = (
    "related", "other", "tinkhac", "tin-khac", "share", "social", "tags", "comment", "print",
    "widget", "author", "meta", "date", "time", "sapo", "summary", "lead", "tomtat", "title",
    "breadcrumb", "duongdan", "ngay", "rating", "toolbar", "tool-", "button",
)  # fmt: skip
"""Class/id fragments of blocks inside the main text that are not the body (bylines, dates,
share bars, related lists); the fields they hold are read elsewhere."""

DATE_LINES = (
    "following::*[position() <= 200][self::time[@datetime] or text()[normalize-space()]]"
    "[not(ancestor-or-self::a)][not(ancestor-or-self::li)][not(ancestor-or-self::script)]"
    "[not(ancestor-or-self::style)]"
)
"""Elements after a title that may hold its visible date line (nearest first)."""

# ---- metadata ---------------------------------------------------------------------------------

JSON_LD = "//script[@type='application/ld+json']"
ARTICLE_TYPES = frozenset(
    {
        "newsarticle",
        "article",
        "blogposting",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "governmentarticle",
        "webpage",
    }
)
TITLE_HEADINGS = (
    "//h1",
    # (a class list holding the word "title" contains "title": one test covers both)
    needs_class(
        "//*[contains(@class, 'title') or contains(@class, 'tieude')][self::h2 or self::h3]",
        "title",
        "tieude",
    ),
    "//h2",
    needs_class(
        "//*[contains(@class, 'title') or contains(@class, 'tieude')][self::span or self::div or "
        "self::p or self::td][not(ancestor::a)][not(ancestor::li)]",
        "title",
        "tieude",
    ),
    # an ASP.NET label: `<span id="ctl00_..._lblTitle">`
    "//span[contains(@id, 'lblTitle') or contains(@id, 'lblTieuDe')]",
    "//*[self::b or self::strong][not(ancestor::a)][not(ancestor::li)]",
)
"""Where an article title may be, in order; a candidate must agree with `<title>`/og:title."""
HEADINGS_INSIDE = ".//*[self::h1 or self::h2 or self::h3]"
HEADING_BEFORE = "preceding::*[self::h1 or self::h2 or self::h3][not(ancestor::li)][1]"
SITE_NAME_PLACES = (
    "//img/@alt | //*[self::header or self::footer or @id='header' or @id='footer' or @id='top' "
    "or contains(@class, 'header') or contains(@class, 'footer') or contains(@class, 'banner') "
    "or contains(@class, 'logo') or contains(@class, 'site-name')]"
)
"""Where a site writes its own name: a `<title>` found there is not an article title."""
BREADCRUMB_ITEMS = (
    needs_class(f"//*[{has_class('breadcrumb')} or {has_class('breadcrumbs')}]//li", "breadcrumb"),
    needs_class(
        f"//*[{has_class('breadcrumb')} or {has_class('breadcrumbs')} or contains(@class, "
        f"'duongdan') or contains(@class, 'duong-dan') or contains(@class, 'box-map') or "
        f"{has_class('path')}]//a",
        "breadcrumb",
        "duongdan",
        "duong-dan",
        "box-map",
        "path",
    ),
    # "article-breadcrumb", "breadcrumb-wrap": the word inside another class name
    needs_class("//*[contains(@class, 'breadcrumb')]//a", "breadcrumb"),
)
HIDDEN_WITHIN = (
    ".//*[@hidden or @aria-hidden='true']",
    f".//*[{STYLE_HIDDEN}]{NOT_A_TAB}",
)
"""Hidden elements inside a block: a SharePoint field's label, a microdata carrier."""
AUTHOR_ELEMENTS = (
    "//*[@itemprop='author' and not(self::meta)]",
    "//*[@rel='author']",
    needs_class("//*[contains(@class, 'author') and not(self::body)]", "author"),
)
TAG_LINKS = (
    needs_class(
        "//*[contains(@class, 'tags') or contains(@class, 'keyword') or contains(@class, 'tukhoa')]"
        "//a",
        "tags",
        "keyword",
        "tukhoa",
    ),
    "//a[@rel='tag']",
    # a block of another name whose label says what it holds: "<span>Từ khóa:</span> <a>..."
    # (named steps: the label test runs on those elements only, not on every element)
    "(//span | //strong | //b | //label)[starts-with(normalize-space(), 'Từ khóa') or "
    "starts-with(normalize-space(), 'Tags')]/parent::*//a",
)
SOURCE_ELEMENTS = (
    needs_class(
        "//*[contains(@class, 'source') or contains(@class, 'nguon')][not(self::source)]",
        "source",
        "nguon",
    ),
)
"""A source line outside the body ("detail-source": "Nguồn: Báo Kon Tum")."""
SUMMARY_CLASSES = ("sapo", "summary", "lead", "tomtat", "tom-tat", "description", "IntroText")
"""Class fragments of `SUMMARY_ELEMENTS`; without them (or `itemprop=description`) none match."""
NOT_SUMMARY_CLASSES = ("with-summary", "site-description")
"""Drupal's body field ("text-with-summary": a body that may have a summary) and a site
header's tagline ("site-description", Joomla's Cassiopeia): not an article's summary."""
SUMMARY_ELEMENTS = (
    # K2's `itemIntroText` is the lead of a Joomla article;
    # the elements with such a class or itemprop, each attribute kind tested on its own nodes
    "(//*[contains(@class, 'sapo') or contains(@class, 'summary') or contains(@class, 'lead')"
    " or contains(@class, 'tomtat') or contains(@class, 'tom-tat') or "
    "contains(@class, 'description') or contains(@class, 'IntroText')]"
    " | //*[@itemprop='description'])[not(self::meta)]",
)
TIME_ELEMENTS = "//time[@datetime]"

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".svg")
"""Files a Kentico `/getattachment/` link may serve that are pictures, not documents."""
ATTACHMENT_EXTENSIONS = (
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".zip",
    ".rar",
    ".odt",
    ".ods",
    ".rtf",
    ".txt",
)
"""Links to these files (also as `file.pdf.aspx` on Kentico) are attachments."""
ATTACHMENT_LABELS = (
    "file dinh kem",
    "tai lieu dinh kem",
    "tep dinh kem",
    "tap tin dinh kem",
    "van ban dinh kem",
    "tai ve",
    "download",
)
HOME_CRUMBS = frozenset({"trang chu", "trang nhat", "home", "trang chinh"})

# ---- legal documents with labelled fields (vbpl.vn, ministry and custom portals) -----------

DOCUMENT_PROPERTY_TABLES = (
    needs_class(f"//*[{has_class('vbProperties')}]//table", "vbProperties"),
    "//table",
)
"""Tables tried in order; those with a "Số ký hiệu" label hold the document's fields."""
FIELD_BLOCKS = needs_class(
    f"//div[{has_class('field')} and ./div[{has_class('field-label')}]]"
    f" | //div[{has_class('field')} and ./div[{has_class('field__label')}]]",
    "field-label",
    "field__label",
)
"""Drupal's labelled fields (7: `.field-label`, `.field-items`; 8 and later: `field__label`)."""
CATEGORY_LABELS = frozenset({"chuyen muc", "danh muc", "linh vuc"})
"""Labels (folded) of the field an article shows its category in."""
FIELD_BLOCK_LABEL = f"./div[{has_class('field-label')} or {has_class('field__label')}]"
FIELD_BLOCK_PARTS = (
    f"./div[{has_class('field-label')} or {has_class('field__label')}"
    f" or {has_class('field-items')} or {has_class('field__items')}"
    f" or {has_class('field__item')}]"
)
"""A field's label, then its value(s)."""
DOCUMENT_TITLE = (
    needs_class(
        f"//*[{has_class('title-vbpq')} or {has_class('title-vb')} or {has_class('vbTitle')}]",
        "title-vb",
        "vbTitle",
    ),
    needs_class(
        "//*[contains(@class, 'tieu-de') or contains(@class, 'tieude')][self::h1 or self::h2 or "
        "self::h3]",
        "tieu-de",
        "tieude",
    ),
    # no heading: the trích yếu in the fields table (vbpl.vn)
    needs_class(f"//*[{has_class('vbProperties')}]//td[{has_class('title')}]", "vbProperties"),
    "//h1",
    "//span[contains(@id, 'lblTieuDe') or contains(@id, 'lblTitle')]",
)
DOCUMENT_TEXT = (
    needs("//*[@id='toanvancontent']", ("id", "toanvancontent")),
    needs_class(f"//*[{has_class('toanvancontent')}]", "toanvancontent"),
    needs_class(f"//*[{has_class('fulltext')}]", "fulltext"),
    needs("//*[@id='divContentDoc']", ("id", "divContentDoc")),
    needs_class(f"//*[{has_class('content1')}]", "content1"),
    needs("//*[@id='toanvan']", ("id", "toanvan")),
    # Drupal's body field
    needs_class(
        f"//*[{has_class('field-name-body')}]//div[{has_class('field-item')}]", "field-name-body"
    ),
    needs_class(
        "//*[contains(@class, 'toanvan') or contains(@class, 'toan-van')]", "toanvan", "toan-van"
    ),
)
DOCUMENT_ATTACHMENTS = (
    needs_class(
        "//*[contains(@class, 'attach') or contains(@class, 'dinhkem') or contains(@class, 'file')]",
        "attach",
        "dinhkem",
        "file",
    ),
)
DOCUMENT_STATUS = needs_class(f"//*[{has_class('vbInfo')}]//li", "vbInfo")

# Labels (accent-folded, lower case, see base.label_key) → record fields.
LABELS: dict[str, str] = {
    "so ky hieu": "doc_number",
    "so ki hieu": "doc_number",
    "so hieu": "doc_number",
    "so van ban": "doc_number",
    "ngay ban hanh": "published",
    "ngay co hieu luc": "effective",
    "ngay hieu luc": "effective",
    "ngay bat dau hieu luc": "effective",
    "ngay het hieu luc": "expires",
    "loai van ban": "doc_type",
    "the loai": "doc_type",
    "co quan ban hanh": "issuer",
    "noi ban hanh": "issuer",
    "nguoi ky": "signer",
    "linh vuc": "category",
    "trich yeu": "summary",
    "trich yeu noi dung": "summary",
    "hinh thuc van ban": "doc_type",
    "nguoi ky duyet": "signer",
    "don vi ban hanh": "issuer",
    "tieu de": "title",
    "ten van ban": "title",
}
CITING_LABELS = frozenset({
    "van ban can cu", "can cu",
    "van ban duoc sua doi", "van ban bi sua doi", "van ban duoc sua doi bo sung",
    "van ban bi thay the", "van ban duoc thay the", "van ban bi bai bo",
    "van ban duoc huong dan", "van ban huong dan",
})  # fmt: skip
"""Fields that name the documents a document rests on or changes: their numbers are cited.

Not "Văn bản liên quan": the site's related documents, which the document does not cite.
"""
ISSUER_ROLE_SIGNER = "co quan ban hanh chuc danh nguoi ky"
"""vbpl.vn puts issuer, signer's title and signer in one row after this label."""

DOCUMENT_TYPES = (
    "Bộ luật",
    "Luật",
    "Pháp lệnh",
    "Nghị quyết liên tịch",
    "Nghị quyết",
    "Nghị định",
    "Quyết định",
    "Thông tư liên tịch",
    "Thông tư",
    "Chỉ thị",
    "Công văn",
    "Kế hoạch",
    "Thông báo",
    "Báo cáo",
    "Hướng dẫn",
    "Quy chế",
    "Quy định",
    "Lệnh",
    "Văn bản hợp nhất",
)
