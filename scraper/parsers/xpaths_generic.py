"""Selectors for the generic fallback parser and the helpers the other families share."""

from __future__ import annotations

from scraper.parsers.base import has_class

# ---- page chrome: never part of an article ----------------------------------------------------

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
)
"""Elements dropped before looking for the main text."""

CHROME_WORDS = (
    "menu",
    "nav",
    "footer",
    "header",
    "sidebar",
    "banner",
    "breadcrumb",
    "share",
    "social",
    "related",
    "other",
    "comment",
    "widget",
    "tags",
    "tag-",
    "print",
    "copyright",
    "logo",
    "lienket",
    "lien-ket",
    "tinkhac",
    "tin-khac",
    "thongke",
    "counter",
    "poll",
    "advert",
    "quangcao",
    "col-right",
    "cotphai",
    "right",
    "left",
    "box-",
    "khung",
    "block",
)
"""Class/id fragments that mark a block as chrome when scoring candidate containers."""

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
    f"//*[self::h2 or self::h3][{has_class('title')} or contains(@class, 'title') or "
    "contains(@class, 'tieude')]",
    "//h2",
)
BREADCRUMB_ITEMS = (
    f"//*[{has_class('breadcrumb')} or {has_class('breadcrumbs')}]//li",
    f"//*[{has_class('breadcrumb')} or {has_class('breadcrumbs')} or contains(@class, 'duongdan')"
    " or contains(@class, 'box-map')]//a",
)
AUTHOR_ELEMENTS = (
    "//*[@itemprop='author' and not(self::meta)]",
    "//*[@rel='author']",
    "//*[contains(@class, 'author') and not(self::body)]",
)
TAG_LINKS = (
    "//*[contains(@class, 'tags') or contains(@class, 'keyword') or contains(@class, 'tukhoa')]//a",
    "//a[@rel='tag']",
)
SUMMARY_ELEMENTS = (
    "//*[contains(@class, 'sapo') or contains(@class, 'summary') or contains(@class, 'lead')"
    " or contains(@class, 'tomtat') or contains(@class, 'description') or @itemprop='description']"
    "[not(self::meta)]",
)
TIME_ELEMENTS = "//time[@datetime]"

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
