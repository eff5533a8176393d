"""A crawl killed mid-write leaves a readable archive and a capture index that matches it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from scraper.archive import capture_at, iter_captures, iter_records, warc_files
from scraper.capture_index import CaptureIndex

REPO = Path(__file__).resolve().parents[1]

WRITER = """
import os, sys
import scrapy
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from scraper.extensions.warc import WarcCapture

crawler = get_crawler(scrapy.Spider, settings_dict={"WARC_DIR": sys.argv[1]})
ext = WarcCapture.from_crawler(crawler)
spider = scrapy.Spider(name="killed")
for n in range(100000):
    url = f"https://example.gov.vn/tin-tuc/{n}.html"
    body = b"<html><body>" + os.urandom(300_000).hex().encode() + b"</body></html>"
    request = scrapy.Request(url)
    response = HtmlResponse(url, body=body, headers={"Content-Type": "text/html"}, request=request)
    ext.capture(response, request, spider)
"""


def test_killed_writer_leaves_a_readable_archive(tmp_path: Path) -> None:
    warc_dir = tmp_path / "data" / "warc"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, str(script), str(warc_dir)], env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            files = warc_files(warc_dir) if warc_dir.exists() else []
            if files and files[0].stat().st_size > 3_000_000:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    captures = list(iter_captures(warc_dir))  # never raises, torn tail skipped
    assert len(captures) >= 3
    responses = [r for r in iter_records(warc_dir) if r.rec_type == "response"]
    assert len(responses) == len(captures)
    with CaptureIndex(tmp_path / "data" / "state" / "captures.sqlite") as index:
        rows = list(index.rows())
        # the index is written after the record: it never cites a torn one
        assert len(captures) - 1 <= len(rows) <= len(captures)
        for row in rows:
            capture = capture_at(warc_dir, row.warc_file, row.warc_offset)
            assert capture.url == row.url and capture.digest == row.digest
