"""Selectors for SharePoint / ASP.NET ministry portals and vbpl.vn-style legal-document pages."""

from __future__ import annotations

from scraper.parsers.base import has_class

SHAREPOINT_MARKUP = (
    "//meta[@name='GENERATOR' or @name='generator'][contains(@content, 'SharePoint')]",
    "//script[not(@src)][contains(., '_spPageContextInfo')]",
    "//script[contains(@src, '/_layouts/')] | //link[contains(@href, '/_layouts/')]",
    "//div[@id='s4-workspace'] | //input[@id='__REQUESTDIGEST' or "
    "@id='MSOWebPartPage_PostbackSource']",
)
ASPNET_MARKUP = ("//input[@name='__VIEWSTATE']", "//form[@id='aspnetForm']")
KENTICO_MARKUP = (
    "//input[@name='__CMSCsrfToken']",
    "//script[contains(@src, '/CMSPages/')] | //link[contains(@href, '/CMSPages/')]",
    "//meta[@name='generator'][contains(@content, 'Kentico')]",
)
"""Kentico is ASP.NET too: these pages belong to the Kentico parser."""

# ---- articles ---------------------------------------------------------------------------------

ARTICLE_SUMMARY = "//*[@id='divArticleDescription1']"
ARTICLE_BODY = "//*[@id='divArticleDescription2']"
ARTICLE_BYLINE = "//*[@id='divArticleDescription3']"
ARTICLE_TITLE = (
    "//*[contains(@id, '_lblTitle')]",
    f"//*[{has_class('title-detail')} or {has_class('article-title')} or {has_class('title-news')}]",
    "//h1",
)
ARTICLE_DATE = (
    "//*[contains(@id, '_lblDate') or contains(@id, '_lblNgay')]",
    f"//*[{has_class('date-detail')} or {has_class('date')} or {has_class('time')}]"
    "[not(ancestor::li)]",
)
ARTICLE_ATTACHMENTS = (
    "//*[contains(@class, 'attach') or contains(@class, 'dinhkem') or contains(@class, 'file')]",
)
BREADCRUMB_ITEMS = (
    f"//*[{has_class('breadcrumb')} or {has_class('box-map')}]//*[self::a or {has_class('current')}"
    " or self::span[not(*)]]",
)

# ---- legal documents --------------------------------------------------------------------------

DOCUMENT_PROPERTY_TABLES = (f"//*[{has_class('vbProperties')}]//table", "//table")
"""Tables tried in order; the first with a "Số ký hiệu" label holds the document's fields."""
DOCUMENT_TITLE = (
    f"//*[{has_class('vbProperties')}]//td[{has_class('title')}]",
    f"//*[{has_class('title-vbpq')} or {has_class('title-vb')} or {has_class('vbTitle')}]",
    "//h1",
)
DOCUMENT_TEXT = (
    "//*[@id='toanvancontent']",
    f"//*[{has_class('toanvancontent')}]",
    f"//*[{has_class('fulltext')}]",
    "//*[@id='divContentDoc']",
    f"//*[{has_class('content1')}]",
)
DOCUMENT_STATUS = f"//*[{has_class('vbInfo')}]//li"

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
}
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
