"""Selectors for SharePoint / ASP.NET ministry portals (legal documents: see xpaths_generic)."""

from __future__ import annotations

from scraper.parsers.base import has_class, needs, needs_class
from scraper.parsers.xpaths_generic import BREADCRUMB_ITEMS as GENERIC_BREADCRUMBS
from scraper.parsers.xpaths_generic import STYLE_HIDDEN

SHAREPOINT_MARKUP = (
    needs(
        "//meta[@name='GENERATOR' or @name='generator'][contains(@content, 'SharePoint')]",
        ("content", "SharePoint"),
    ),
    needs(
        "//script[not(@src)][contains(., '_spPageContextInfo')]", ("script", "_spPageContextInfo")
    ),
    needs(
        "//script[contains(@src, '/_layouts/')] | //link[contains(@href, '/_layouts/')]",
        ("src", "/_layouts/"),
        ("href", "/_layouts/"),
    ),
    needs(
        "//div[@id='s4-workspace'] | //input[@id='__REQUESTDIGEST' or "
        "@id='MSOWebPartPage_PostbackSource']",
        ("id", "s4-workspace"),
        ("id", "__REQUESTDIGEST"),
        ("id", "MSOWebPartPage_PostbackSource"),
    ),
)
ASPNET_MARKUP = (
    needs("//input[@name='__VIEWSTATE']", ("name", "__VIEWSTATE")),
    needs("//form[@id='aspnetForm']", ("id", "aspnetForm")),
)
KENTICO_MARKUP = (
    needs("//input[@name='__CMSCsrfToken']", ("name", "__CMSCsrfToken")),
    needs(
        "//script[contains(@src, '/CMSPages/')] | //link[contains(@href, '/CMSPages/')]",
        ("src", "/CMSPages/"),
        ("href", "/CMSPages/"),
    ),
    needs("//meta[@name='generator'][contains(@content, 'Kentico')]", ("content", "Kentico")),
)
"""Kentico is ASP.NET too: these pages belong to the Kentico parser."""

# ---- articles ---------------------------------------------------------------------------------

ARTICLE_SUMMARY = needs("//*[@id='divArticleDescription1']", ("id", "divArticleDescription1"))
ARTICLE_BODY = needs("//*[@id='divArticleDescription2']", ("id", "divArticleDescription2"))
ARTICLE_BYLINE = (
    # a site may hold its title there instead: then it is no byline
    needs("//*[@id='divArticleDescription3'][not(.//h1)]", ("id", "divArticleDescription3")),
    "//*[contains(@id, '_pnNguontin')]",
)
"""The byline block ("Tác giả: X", "Nguồn: Y"), below the text."""
ARTICLE_TITLE = (
    "//*[contains(@id, '_lblTitle') or contains(@id, '_lblTieuDe')]",
    needs_class(
        f"//*[{has_class('title-detail')} or {has_class('article-title')} or "
        f"{has_class('title-news')}]",
        "title-detail",
        "article-title",
        "title-news",
    ),
    # not the hidden page-title row of the master page (`#s4-titlerow`, "Trang chủ")
    f"//h1[not(ancestor-or-self::*[{STYLE_HIDDEN}])]",
)
ARTICLE_DATE = (
    # not the header's date of today (`lblNgayHienTai`)
    "//*[contains(@id, '_lblDate') or contains(@id, '_lblNgay')][not(contains(@id, 'HienTai'))]",
    needs_class(
        f"//*[{has_class('date-detail')} or {has_class('date')} or {has_class('time')}]"
        "[not(ancestor::li)]",
        "date",
        "time",
    ),
)
ARTICLE_ATTACHMENTS = (
    needs_class(
        "//*[contains(@class, 'attach') or contains(@class, 'dinhkem') or contains(@class, 'file')]",
        "attach",
        "dinhkem",
        "file",
    ),
)
BREADCRUMB_ITEMS = (
    needs_class(
        f"//*[{has_class('breadcrumb')} or {has_class('box-map')}]//*[self::a or "
        f"{has_class('current')} or self::span[not(*)]]",
        "breadcrumb",
        "box-map",
    ),
    *GENERIC_BREADCRUMBS,
)
