"""CaptureIndex: latest capture per URL in SQLite, transactional, rebuildable."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scraper.capture_index import CaptureIndex, capture_index_path

URL = "https://tayninh.gov.vn/tin-tuc/a-1.html"


def record(index: CaptureIndex, url: str = URL, **fields: object) -> None:
    values: dict[str, object] = {
        "status": 200,
        "digest": "sha1:AAAA",
        "fetched": "2026-11-26T10:00:00Z",
        "etag": '"e1"',
        "last_modified": "Mon, 23 Nov 2026 08:00:00 GMT",
        "warc_file": "govarchive-1.warc.gz",
        "warc_offset": 1234,
        "record_id": "<urn:uuid:1>",
        "payload_date": "2026-11-26T10:00:00.123456Z",
    }
    values.update(fields)
    index.record(url, **values)  # type: ignore[arg-type]


def test_path_defaults_to_state_beside_the_warc_dir(tmp_path: Path) -> None:
    assert (
        capture_index_path(tmp_path / "data" / "warc")
        == tmp_path / "data" / "state" / "captures.sqlite"
    )
    assert capture_index_path(tmp_path / "warc", tmp_path / "x.sqlite") == tmp_path / "x.sqlite"


def test_record_and_get(tmp_path: Path) -> None:
    with CaptureIndex(tmp_path / "captures.sqlite") as index:
        assert index.get(URL) is None and not index.known(URL)
        record(index)
        row = index.get(URL)
        assert row is not None and index.known(URL)
        assert (row.status, row.digest, row.etag, row.warc_offset) == (
            200,
            "sha1:AAAA",
            '"e1"',
            1234,
        )
        assert row.first_seen == row.fetched == "2026-11-26T10:00:00Z"
        assert row.revisit is False


def test_a_later_capture_replaces_the_row_but_keeps_first_seen(tmp_path: Path) -> None:
    with CaptureIndex(tmp_path / "captures.sqlite") as index:
        record(index)
        record(index, fetched="2026-12-01T00:00:00Z", digest="sha1:BBBB", etag=None, revisit=True)
        row = index.get(URL)
        assert row is not None
        assert row.first_seen == "2026-11-26T10:00:00Z"
        assert (row.fetched, row.digest, row.etag, row.revisit) == (
            "2026-12-01T00:00:00Z",
            "sha1:BBBB",
            None,
            True,
        )
        assert len(index) == 1


def test_urls_are_sorted(tmp_path: Path) -> None:
    with CaptureIndex(tmp_path / "captures.sqlite") as index:
        for url in ("https://b/", "https://a/", "https://c/"):
            record(index, url)
        assert list(index.urls()) == ["https://a/", "https://b/", "https://c/"]
        assert [row.url for row in index.rows()] == ["https://a/", "https://b/", "https://c/"]


def test_database_is_in_wal_mode_and_shared_between_connections(tmp_path: Path) -> None:
    path = tmp_path / "captures.sqlite"
    with CaptureIndex(path) as writer, CaptureIndex(path) as reader:
        record(writer)
        assert reader.get(URL) is not None  # each record() is committed at once
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_failed_rebuild_leaves_the_old_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scraper.archive

    def broken(warc_dir: object) -> object:
        yield from ()
        raise OSError("disk gone")

    with CaptureIndex(tmp_path / "captures.sqlite") as index:
        record(index)
        monkeypatch.setattr(scraper.archive, "iter_records", broken)
        with pytest.raises(OSError):
            index.rebuild_from_warcs(tmp_path)
        assert index.get(URL) is not None


def test_rebuild_from_no_warcs_empties_the_index(tmp_path: Path) -> None:
    with CaptureIndex(tmp_path / "captures.sqlite") as index:
        record(index)
        assert index.rebuild_from_warcs(tmp_path) == 0
        assert not index.known(URL)
