"""Where the archive lives under a data directory: WARC files, records, index, state."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DataLayout:
    """Paths of one archive (`--data DIR`, default `./data`)."""

    root: Path

    @property
    def warc(self) -> Path:
        """Gzip WARC files, the source of truth."""
        return self.root / "warc"

    @property
    def items(self) -> Path:
        """Records as JSONL, one file per crawl or reparse."""
        return self.root / "items"

    @property
    def index(self) -> Path:
        """The Whoosh index, derived from the records."""
        return self.root / "index"

    @property
    def state(self) -> Path:
        """Crawl state: capture index, locks, resumable job directories."""
        return self.root / "state"

    @property
    def portals(self) -> Path:
        """The portal registry."""
        return self.root / "portals.toml"

    def ensure(self) -> DataLayout:
        """Create the runtime directories and return self."""
        for path in (self.warc, self.items, self.index, self.state):
            path.mkdir(parents=True, exist_ok=True)
        return self
