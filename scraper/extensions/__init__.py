"""Scrapy extensions of govarchive (WARC capture)."""
