"""Search page parameters: read from the query string, validated, turned back into URLs."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus

from indexer.search import SORTS, parse_date_bound
from scraper.record import KINDS

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_PAGE = 500
MAX_DEPTH = 10_000  # page × limit: deeper than this, export the hits instead
MAX_QUERY_CHARS = 500
MAX_FILTER_CHARS = 200


@lru_cache(maxsize=4096)
def _quote(value: str) -> str:
    # A page repeats its query in every facet, sort and paging link.
    return quote_plus(value)


class BadParameter(ValueError):
    """Raised when a query-string parameter is malformed; its message is shown to the user."""


@dataclass(frozen=True)
class SearchParams:
    """Everything that selects a page of hits; every field round-trips through the URL."""

    q: str = ""
    exact: bool = False
    portal: str = ""
    kind: str = ""
    author: str = ""
    date_from: str = ""
    date_to: str = ""
    sort: str = "relevance"
    page: int = 1
    limit: int = DEFAULT_LIMIT

    @property
    def has_query(self) -> bool:
        """True when there is something to search for."""
        return bool(self.q.strip())

    def search_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `indexer.search.search` and `indexer.export.iter_hits`."""
        return {
            "exact": self.exact,
            "portal": self.portal or None,
            "kind": self.kind or None,
            "author": self.author or None,
            "date_from": self.date_from or None,
            "date_to": self.date_to or None,
            "sort": self.sort,
        }

    def query_items(self, *, paging: bool = True) -> list[tuple[str, str]]:
        """The non-default parameters as (name, value) pairs, in a stable order."""
        items: list[tuple[str, str]] = []
        if self.q:
            items.append(("q", self.q))
        if self.exact:
            items.append(("exact", "1"))
        for name, value in (
            ("portal", self.portal),
            ("kind", self.kind),
            ("author", self.author),
            ("from", self.date_from),
            ("to", self.date_to),
        ):
            if value:
                items.append((name, value))
        if self.sort != "relevance":
            items.append(("sort", self.sort))
        if paging:
            if self.limit != DEFAULT_LIMIT:
                items.append(("limit", str(self.limit)))
            if self.page != 1:
                items.append(("page", str(self.page)))
        return items

    def query_string(self, *, paging: bool = True) -> str:
        """The parameters as a URL query string (no leading `?`), as `urlencode` writes it."""
        return "&".join(
            f"{name}={_quote(value)}" for name, value in self.query_items(paging=paging)
        )

    def url(self, path: str = "/", **changes: Any) -> str:
        """A URL for these parameters with `changes` applied; filter changes go back to page 1."""
        if changes and "page" not in changes:
            changes["page"] = 1
        params = replace(self, **changes) if changes else self
        query = params.query_string()
        return f"{path}?{query}" if query else path


PARAM_NAMES = {
    "q": "q",
    "exact": "exact",
    "portal": "portal",
    "kind": "kind",
    "author": "author",
    "from": "date_from",
    "to": "date_to",
    "sort": "sort",
    "page": "page",
    "limit": "limit",
}


def _int(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise BadParameter(f"Tham số {name}={value!r} không phải là số nguyên.") from None
    if not low <= number <= high:
        raise BadParameter(f"Tham số {name}={number} phải nằm trong khoảng {low}–{high}.")
    return number


def _text(name: str, value: str, limit: int) -> str:
    value = value.strip()
    if len(value) > limit:
        raise BadParameter(f"Tham số {name} dài quá {limit} ký tự.")
    if any(ord(ch) < 32 and ch not in "\t" for ch in value):
        raise BadParameter(f"Tham số {name} chứa ký tự điều khiển.")
    return value


def _date(name: str, value: str, *, end: bool) -> str:
    value = _text(name, value, 40)
    if value:
        try:
            parse_date_bound(value, end=end)
        except ValueError:
            raise BadParameter(
                f"Ngày {name}={value!r} không hợp lệ: dùng dạng NNNN-TT-NN, NNNN-TT, NNNN hoặc NN/TT/NNNN."
            ) from None
    return value


def parse_search_params(query: dict[str, list[str]]) -> SearchParams:
    """Validate a parsed query string (`urllib.parse.parse_qs` form); raise BadParameter."""
    values: dict[str, str] = {}
    for name in PARAM_NAMES:
        given = query.get(name)
        if given:
            values[name] = given[0]
    kind = _text("kind", values.get("kind", ""), 20).lower()
    if kind and kind not in KINDS:
        raise BadParameter(f"Loại {kind!r} không hợp lệ: dùng {' hoặc '.join(KINDS)}.")
    sort = _text("sort", values.get("sort", ""), 20) or "relevance"
    if sort not in SORTS:
        raise BadParameter(f"Cách sắp xếp {sort!r} không hợp lệ: dùng {', '.join(SORTS)}.")
    exact = values.get("exact", "").strip().lower()
    if exact not in ("", "0", "1", "on", "true", "false", "off"):
        raise BadParameter(f"Tham số exact={exact!r} không hợp lệ: dùng 1 hoặc 0.")
    params = SearchParams(
        q=_text("q", values.get("q", ""), MAX_QUERY_CHARS),
        exact=exact in ("1", "on", "true"),
        portal=_text("portal", values.get("portal", ""), MAX_FILTER_CHARS),
        kind=kind,
        author=_text("author", values.get("author", ""), MAX_FILTER_CHARS),
        date_from=_date("from", values.get("from", ""), end=False),
        date_to=_date("to", values.get("to", ""), end=True),
        sort=sort,
        page=_int("page", values["page"], 1, MAX_PAGE) if values.get("page", "").strip() else 1,
        limit=_int("limit", values["limit"], 1, MAX_LIMIT)
        if values.get("limit", "").strip()
        else DEFAULT_LIMIT,
    )
    if params.page * params.limit > MAX_DEPTH:
        raise BadParameter(
            f"Chỉ xem được {MAX_DEPTH:,} kết quả đầu tiên; hãy thu hẹp tìm kiếm "
            "hoặc dùng Xuất CSV để lấy mọi kết quả.".replace(",", ".")
        )
    return params


def field_names() -> list[str]:
    """The SearchParams field names (for templates and tests)."""
    return [f.name for f in fields(SearchParams)]
