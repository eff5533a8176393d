"""Scrapy project of govarchive: spiders, parsers, WARC capture, the offline replica portal."""
