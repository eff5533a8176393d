"""Selectors for Liferay 6.2 (VNPT-built portals) and Liferay 7 asset publisher / journal pages."""

from __future__ import annotations

import re

from scraper.parsers.base import has_class, needs, needs_class

LIFERAY_MARKUP = (
    needs(
        "//script[contains(@src, '/html/js/barebone.jsp') or contains(@src, "
        "'/html/js/everything.jsp') or contains(@src, '/o/frontend-js-web/')]",
        ("src", "/html/js/barebone.jsp"),
        ("src", "/html/js/everything.jsp"),
        ("src", "/o/frontend-js-web/"),
    ),
    needs(
        "//link[contains(@href, '/o/frontend-css-web/') or contains(@href, 'themeId=')]",
        ("href", "/o/frontend-css-web/"),
        ("href", "themeId="),
    ),
    needs("//div[starts-with(@id, 'p_p_id_')]", ("id-prefix", "p_p_id_")),
    needs_class("//div[contains(@class, 'portlet-boundary')]", "portlet-boundary"),
    needs(
        "//script[not(@src)][contains(., 'Liferay.Portlet') or contains(., 'Liferay.ThemeDisplay')]",
        ("script", "Liferay.Portlet"),
        ("script", "Liferay.ThemeDisplay"),
    ),
)
"""Any of these marks a page rendered by Liferay Portal."""

DETAIL_URL = re.compile(
    r"/-/(?:view_content/\d+|asset_publisher/[^/]+/content/|journal_content/56_INSTANCE_[^/]+/\d+/\d+"
    r"|[^/?#]+/?(?:[?#]|$))|/w/[^/?#]+/?(?:[?#]|$)"
)
"""Article URLs: 6.2 `/<page>/-/view_content/<id>-<slug>.html` and
`/-/journal_content/56_INSTANCE_<id>/<group>/<article>`, 7 `/web/guest/-/<id>-<id>` and its
display pages' `/web/guest/-/<url-title>`, 7.4's `/w/<url-title>`."""

ARTICLE_ROOTS = (
    needs_class(f"//*[{has_class('asset-full-content')}]", "asset-full-content"),
    needs_class(
        f"//*[{has_class('portlet-journal-content')} and not(ancestor::*[starts-with(@id, "
        "'column-2') or starts-with(@id, 'column-3')])]",
        "portlet-journal-content",
    ),
)
"""The full-content view of one asset; a single journal-content portlet as a fallback."""

CONTENT = (f".//*[{has_class('journal-content-article')}]", f".//*[{has_class('asset-content')}]")

TITLE = (
    f"ancestor::*[{has_class('portlet-body')}][1]//*[{has_class('taglib-header')}]"
    f"//*[{has_class('header-title')}]",
    f".//*[{has_class('asset-title')}]",
    f".//*[{has_class('component-title')}]",
    f".//*[{has_class('header-title')}]",
    ".//h1",
    f".//h2[not({has_class('portlet-title-text')})]",
)
ASSET_TITLE = f".//*[{has_class('journal-content-article')}]/@data-analytics-asset-title"
"""Liferay 7 names the web content shown in the attribute its analytics read."""

PUBLISHED = (
    f"ancestor-or-self::*[{has_class('portlet-body')}][1]//*[{has_class('assetPublishDate')}]"
    f"[not(ancestor::*[{has_class('asset-abstract')}])]",
    f".//*[{has_class('metadata-publish-date')} or {has_class('news-date')} or "
    f"{has_class('date-publish')} or {has_class('publish-date')}]",
    f".//*[contains(@class, 'date')][not(ancestor::*[{has_class('journal-content-article')}])]"
    "[not(ancestor::li)][not(contains(@class, 'modified'))][not(contains(@class, 'expiration'))]",
    # the web content template's own date line ("date-detail")
    f".//*[{has_class('journal-content-article')}]//*[contains(@class, 'date')]"
    "[not(ancestor::li)][not(ancestor::table)]",
)

MODIFIED = (f".//*[{has_class('metadata-modified-date')}]",)
"""The asset's last edit: its date only when the page shows no other."""

SUMMARY_BLOCK = (
    f".//*[{has_class('news-sapo')} or {has_class('sapo')} or {has_class('summary')} or "
    f"{has_class('asset-summary')} or {has_class('news-summary')} or {has_class('tomtat')} or "
    f"{has_class('tom-tat')} or {has_class('des')}]"
)
"""The templates' summary block: the record's `summary`, left out of the body."""

SUMMARY = (
    SUMMARY_BLOCK,
    # a site's own name for it: "skhcn-news-sapo"
    ".//*[contains(@class, 'sapo')]",
)

NOT_BODY = (
    SUMMARY_BLOCK,
    f".//*[{has_class('attachments')} or {has_class('file-attachment')} or "
    f"{has_class('taglib-social-bookmarks')} or {has_class('asset-ratings')} or "
    f"{has_class('news-tags')} or {has_class('news-meta')} or {has_class('metadata-tags')}]",
    # a template's own attachment block ("dt-article-attach"): read by `attachments`
    ".//*[contains(@class, 'attach')]",
    ".//script",
    ".//style",
)

BREADCRUMBS = (
    needs("//*[@id='breadcrumbs']//li", ("id", "breadcrumbs")),
    needs_class(f"//*[{has_class('breadcrumb')}]//li", "breadcrumb"),
)

PORTLET_TITLE = (f"ancestor::*[{has_class('portlet')}][1]//*[{has_class('portlet-title-text')}]",)

TAGS = (
    needs_class(f"//*[{has_class('metadata-tags')}]//a", "metadata-tags"),
    needs_class(f"//*[{has_class('taglib-asset-tags-summary')}]//a", "taglib-asset-tags-summary"),
    needs_class(f"//*[{has_class('news-tags')}]//a", "news-tags"),
)
