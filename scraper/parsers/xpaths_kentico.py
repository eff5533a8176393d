"""Selectors for Kentico CMS portals (`div.article`, `time.ct_time`, `/getattachment/`)."""

from __future__ import annotations

from scraper.parsers.base import has_class, needs, needs_class

KENTICO_MARKUP = (
    needs("//meta[@name='generator'][contains(@content, 'Kentico')]", ("content", "Kentico")),
    needs("//input[@name='__CMSCsrfToken']", ("name", "__CMSCsrfToken")),
    needs(
        "//script[contains(@src, '/CMSPages/')] | //link[contains(@href, '/CMSPages/')]",
        ("src", "/CMSPages/"),
        ("href", "/CMSPages/"),
    ),
    needs_class(
        "//ul[contains(@class, 'CMSListMenu')] | //a[contains(@class, 'CMSBreadCrumbs')]",
        "CMSListMenu",
        "CMSBreadCrumbs",
    ),
)
"""Any of these marks a page served by Kentico."""

ARTICLE_ROOTS = (
    # the stock News transformation (CMS.News/NewsDetail: NewsSummary, NewsContent, NewsBody)
    needs_class(f"//div[{has_class('newsItemDetail')}]", "newsItemDetail"),
    needs_class(f"//div[{has_class('article')}][.//h1]", "article"),
    needs_class(f"//*[time[{has_class('ct_time')}] or */time[{has_class('ct_time')}]]", "ct_time"),
)
TITLE = (".//h1",)
PUBLISHED = (
    f".//time[{has_class('ct_time')}]",
    f".//*[{has_class('ct_time')}]",
    ".//time",
    f".//*[{has_class('NewsContent')}]/*[{has_class('Date')}]",
)
SUMMARY = (
    f".//*[{has_class('ct_sapo')} or {has_class('ct_desc')} or {has_class('ct_summary')}]",
    f".//*[{has_class('NewsSummary')}]//*[{has_class('TextContent')}]",
)
BODY = (
    f".//*[{has_class('ct_content')} or {has_class('ct_body')}]",
    f".//*[{has_class('NewsBody')}]",
)
ATTACHMENT_AREAS = (f".//*[{has_class('ct_attach')}]", ".//*[contains(@class, 'attach')]")
TAGS = (f".//*[{has_class('ct_tags')}]//a",)
BREADCRUMB_ITEMS = (
    needs_class(
        "//*[contains(@class, 'CMSBreadCrumbsLink') or contains(@class, "
        "'CMSBreadCrumbsCurrentItem')]",
        "CMSBreadCrumbs",
    ),
    needs_class(f"//*[{has_class('breadcrumb')}]//*[self::a or self::span]", "breadcrumb"),
)
