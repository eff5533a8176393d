"""The capture index: latest capture per URL in SQLite, derived from the WARC files."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

_SCHEMA = """
CREATE TABLE IF NOT EXISTS captures (
    url TEXT PRIMARY KEY,
    status INTEGER NOT NULL,
    digest TEXT,
    etag TEXT,
    last_modified TEXT,
    warc_file TEXT,
    warc_offset INTEGER,
    record_id TEXT,
    payload_date TEXT,
    fetched TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    revisit INTEGER NOT NULL DEFAULT 0
)
"""

_COLUMNS = (
    "url",
    "status",
    "digest",
    "etag",
    "last_modified",
    "warc_file",
    "warc_offset",
    "record_id",
    "payload_date",
    "fetched",
    "first_seen",
    "revisit",
)


def capture_index_path(warc_dir: str | Path, override: str | Path | None = None) -> Path:
    """Return the capture index path: `override`, else `<data>/state/captures.sqlite` beside `warc_dir`."""
    if override:
        return Path(override)
    return Path(warc_dir).parent / "state" / "captures.sqlite"


@dataclass(frozen=True)
class CaptureRow:
    """The latest capture of one URL.

    `warc_file`/`warc_offset`/`record_id`/`payload_date` locate the response record that holds
    the payload (for a revisit: the record it refers to); `fetched` is the latest fetch time and
    `revisit` says whether that fetch was stored as a revisit.
    """

    url: str
    status: int
    digest: str | None
    etag: str | None
    last_modified: str | None
    warc_file: str | None
    warc_offset: int | None
    record_id: str | None
    payload_date: str | None
    fetched: str
    first_seen: str
    revisit: bool


class CaptureIndex:
    """SQLite table of the latest capture per URL (`<data>/state/captures.sqlite`)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(_SCHEMA)

    def __enter__(self) -> CaptureIndex:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection."""
        self._conn.close()

    def get(self, url: str) -> CaptureRow | None:
        """Return the latest capture of `url`, or None."""
        row = self._conn.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM captures WHERE url = ?", (url,)
        ).fetchone()
        return _row(row) if row else None

    def known(self, url: str) -> bool:
        """Return whether `url` has been captured."""
        return (
            self._conn.execute("SELECT 1 FROM captures WHERE url = ?", (url,)).fetchone()
            is not None
        )

    def urls(self) -> Iterator[str]:
        """Yield every captured URL, sorted."""
        for (url,) in self._conn.execute("SELECT url FROM captures ORDER BY url").fetchall():
            yield url

    def rows(self) -> Iterator[CaptureRow]:
        """Yield every row, sorted by URL."""
        query = f"SELECT {', '.join(_COLUMNS)} FROM captures ORDER BY url"
        for row in self._conn.execute(query).fetchall():
            yield _row(row)

    def __len__(self) -> int:
        return self._conn.execute("SELECT count(*) FROM captures").fetchone()[0]

    def record(
        self,
        url: str,
        *,
        status: int,
        digest: str | None,
        fetched: str,
        etag: str | None = None,
        last_modified: str | None = None,
        warc_file: str | None = None,
        warc_offset: int | None = None,
        record_id: str | None = None,
        payload_date: str | None = None,
        revisit: bool = False,
    ) -> None:
        """Store a capture of `url` as its latest, keeping its first-seen time (one transaction)."""
        with self._transaction():
            self._upsert(
                url,
                status=status,
                digest=digest,
                fetched=fetched,
                etag=etag,
                last_modified=last_modified,
                warc_file=warc_file,
                warc_offset=warc_offset,
                record_id=record_id,
                payload_date=payload_date,
                revisit=revisit,
            )

    def rebuild_from_warcs(self, warc_dir: str | Path) -> int:
        """Replace the table by replaying every record of the WARC files; return the URL count."""
        from scraper.archive import iter_records

        with self._transaction():
            self._conn.execute("DELETE FROM captures")
            for info in iter_records(warc_dir):
                if info.rec_type == "response":
                    self._upsert(
                        info.url,
                        status=info.status,
                        digest=info.digest,
                        fetched=info.fetched,
                        etag=info.header("etag"),
                        last_modified=info.header("last-modified"),
                        warc_file=info.warc_file,
                        warc_offset=info.warc_offset,
                        record_id=info.record_id,
                        payload_date=info.date,
                        revisit=False,
                    )
                elif info.rec_type == "revisit":
                    previous = self.get(info.url)
                    if previous is None:
                        continue
                    not_modified = info.status == 304
                    self._upsert(
                        info.url,
                        status=previous.status if not_modified else info.status,
                        digest=previous.digest,
                        fetched=info.fetched,
                        etag=info.header("etag") or (previous.etag if not_modified else None),
                        last_modified=info.header("last-modified")
                        or (previous.last_modified if not_modified else None),
                        warc_file=previous.warc_file,
                        warc_offset=previous.warc_offset,
                        record_id=previous.record_id,
                        payload_date=previous.payload_date,
                        revisit=True,
                    )
        return len(self)

    def _upsert(self, url: str, **values: object) -> None:
        values["revisit"] = int(bool(values["revisit"]))
        names = list(values)
        self._conn.execute(
            f"INSERT INTO captures (url, first_seen, {', '.join(names)}) "
            f"VALUES (?, ?, {', '.join('?' for _ in names)}) "
            f"ON CONFLICT(url) DO UPDATE SET {', '.join(f'{n} = excluded.{n}' for n in names)}",
            (url, values["fetched"], *values.values()),
        )

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._conn.execute("ROLLBACK" if exc_type else "COMMIT")


def _row(row: tuple) -> CaptureRow:
    values = dict(zip(_COLUMNS, row, strict=True))
    values["revisit"] = bool(values["revisit"])
    return CaptureRow(**values)
