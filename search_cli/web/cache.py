"""A small LRU of rendered search pages, invalidated whenever the index gets a new commit."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class PageCache:
    """Rendered pages (or facet counts) by (parameters, index generation); `size` 0: off."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[Any, ...]) -> Any:
        """The cached page for `key`, or None."""
        if not self.size:
            return None
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: tuple[Any, ...], page: Any) -> None:
        """Keep `page` for `key`, dropping the least recently used beyond `size`."""
        if not self.size:
            return
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)
