"""Offline replica of a NukeViet 4.4 eGovernment town portal, served on 127.0.0.1 for crawl tests.

URL scheme (rewrite on, no language prefix; the news module is renamed `tin-tuc`, the laws
module is `van-ban`, as on real town portals):

    /                                            home: latest articles per category
    /tin-tuc/  /tin-tuc/page-N/                  all articles, 10 per page
    /tin-tuc/<cat>/  /tin-tuc/<cat>/page-N/      category listing, 10 per page
    /tin-tuc/<cat>/<alias>-<id>.html             article (ETag, Last-Modified, 304)
    /tin-tuc/print/<cat>/<alias>-<id>.html       print view: a duplicate of the article
    /tin-tuc/tag/<tag>/                          tag listing (linked from "Từ khóa")
    /tin-tuc/rss/  /tin-tuc/rss/<cat>/           RSS 2.0, latest 30
    /tin-tuc/search/?q=                          search page, disallowed in robots.txt
    /van-ban/  /van-ban/page-N/                  legal documents, 20 per page
    /van-ban/detail/<alias>-<id>/                legal document (ETag, Last-Modified, 304)
    /uploads/tin-tuc/YYYY_MM/<file>              article attachments (YYYY_MM of publication)
    /uploads/van-ban/<file>                      document attachments
    /sitemap.xml  /sitemap-vi.news.xml  /sitemap-vi.laws.xml  /robots.txt

Anything else answers the themed 404 page; `page-1/` and slash-less listing URLs redirect (301),
as do article URLs whose category or alias is wrong for the id.
"""

from __future__ import annotations

from scraper.replica.render import LAWS_MODULE, NEWS_MODULE
from scraper.replica.server import ReplicaPortal

__all__ = ["LAWS_MODULE", "NEWS_MODULE", "ReplicaPortal"]
