"""Page models and Jinja rendering for the replica NukeViet 4.4 eGovernment portal."""

from __future__ import annotations

import copy
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

NEWS_MODULE = "tin-tuc"
LAWS_MODULE = "van-ban"
NEWS_PER_PAGE = 10
LAWS_PER_PAGE = 20
HOME_PER_CATEGORY = 5
RSS_ITEMS = 30
SITEMAP_ITEMS = 1000
RELATED_ITEMS = 5
LATEST_BLOCK_ITEMS = 6
LOCAL_TZ = timezone(timedelta(hours=7))
DEFAULT_SITE_NAME = "Cổng thông tin điện tử Thị xã Trảng Bàng"
TEMPLATE_DIR = Path(__file__).with_name("templates")

# Monday first, as datetime.weekday() counts.
WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")

ARTICLE_KEYS = ("id", "category", "alias", "title", "published")
LAW_KEYS = ("id", "alias", "title")

# 1x1 transparent PNG, served for thumbnails, logo and banners.
PNG_PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a48b0000000049454e44ae426082"
)

COUNTER = {
    "online": 48,
    "bots": 34,
    "guests": 14,
    "today": 5948,
    "month": 150874,
    "total": 3316315,
}

BANNERS = (
    ("Tìm hiểu CCHC", "/tin-tuc/cai-cach-hanh-chinh/"),
    ("Hệ thống quản lý văn bản e-Office", "http://eoffice.tayninh.gov.vn/"),
    ("Cổng dịch vụ công trực tuyến", "https://dichvucong.tayninh.gov.vn/"),
    ("Hộp thư điện tử công vụ", "https://mail.tayninh.gov.vn/"),
    ("Công báo Tây Ninh", "https://congbao.tayninh.gov.vn/"),
    ("Báo Tây Ninh Online", "https://baotayninh.vn/"),
)


SIMPLE_PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "/contact/": (
        "Liên hệ",
        (
            "Ban biên tập Cổng thông tin điện tử thị xã Trảng Bàng.",
            "Điện thoại: (0276) 3881 234. Email: banbientap@trangbang.tayninh.gov.vn",
        ),
    ),
    "/siteterms/terms-and-conditions.html": (
        "Điều khoản sử dụng",
        ("Thông tin trên Cổng được cung cấp nhằm phục vụ người dân và doanh nghiệp.",),
    ),
    "/users/login/": ("Đăng nhập", ("Vui lòng đăng nhập để tiếp tục.",)),
}


def parse_time(value: Any) -> datetime:
    """Return an aware datetime in portal time (UTC+7) from an ISO string, date or datetime."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day, 8, 0)
    else:
        text = str(value).strip()
        dt = (
            datetime.fromisoformat(text + "T08:00:00")
            if len(text) == 10
            else datetime.fromisoformat(text)
        )
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=LOCAL_TZ)
    return dt.astimezone(LOCAL_TZ)


def parse_day(value: Any) -> date | None:
    """Return a date from `YYYY-MM-DD`, a date or a datetime; None for empty values."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip()[:10])


def fmt_detail_time(dt: datetime) -> str:
    """Article header time as NukeViet 4.4 prints it: `Thứ ba - 26/01/2021 17:00`."""
    return f"{WEEKDAYS[dt.weekday()]} - {dt:%d/%m/%Y %H:%M}"


def fmt_list_time(dt: datetime) -> str:
    """Listing time, 4.4 format `d/m/Y h:i:s A`: `26/01/2021 05:00:00 PM`."""
    hour12 = dt.hour % 12 or 12
    meridiem = "AM" if dt.hour < 12 else "PM"
    return f"{dt:%d/%m/%Y} {hour12:02d}:{dt:%M:%S} {meridiem}"


def fmt_dmy(value: datetime | date | None) -> str:
    """`26/01/2021`, or `N/A` when there is no date (as the laws lists print it)."""
    if value is None:
        return "N/A"
    return f"{value:%d/%m/%Y}"


def fmt_iso(dt: datetime) -> str:
    """PHP `date('c')`: `2021-01-26T17:00:00+07:00`."""
    return dt.isoformat(timespec="seconds")


def fmt_og_time(dt: datetime) -> str:
    """The malformed `article:published_time` of NukeViet (`Y-m-dTH:i:s` with T as zone): `2021-01-26+0717:00:00`."""
    offset = dt.utcoffset() or timedelta(0)
    hours = int(offset.total_seconds() // 3600)
    return f"{dt:%Y-%m-%d}{hours:+03d}{dt:%H:%M:%S}"


def fmt_rfc822(dt: datetime) -> str:
    """RSS pubDate: `Tue, 26 Jan 2021 17:00:00 +0700`."""
    return format_datetime(dt)


def fmt_count(value: int) -> str:
    """View counts with `.` as thousands separator: `1.234`."""
    return f"{int(value):,}".replace(",", ".")


def fmt_counter(value: int) -> str:
    """Statistics block numbers with `,` as thousands separator: `5,948`."""
    return f"{int(value):,}"


def fold_vietnamese(text: str) -> str:
    """Strip Vietnamese diacritics, mapping Đ/đ to D/d."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def make_alias(text: str) -> str:
    """A NukeViet-style alias: folded, lower case, words joined by `-`."""
    folded = fold_vietnamese(text).lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def text_in_form(text: str, form: str | None) -> Markup:
    """Escape `text` and render it NFC (default), decomposed (`nfd`) or as numeric entities."""
    escaped = str(escape(text))
    if form == "nfd":
        return Markup(unicodedata.normalize("NFD", escaped))
    if form == "entities":
        return Markup("".join(ch if ord(ch) < 128 else f"&#{ord(ch)};" for ch in escaped))
    return Markup(escaped)


def minimal_pdf(text: str) -> bytes:
    """A small valid one-page PDF showing `text` (folded to ASCII)."""
    ascii_text = fold_vietnamese(text).encode("ascii", "replace").decode("ascii")
    ascii_text = ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 720 Td ({ascii_text}) Tj ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("ascii")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode("ascii")
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode("ascii")
    return bytes(out)


def _digest(*parts: Any) -> str:
    """Short stable hash of `parts` (their repr)."""
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()[:16]


def _field(obj: Any, name: str, default: Any = None) -> Any:
    """Read `name` from a mapping or an object."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


class SiteState:
    """An immutable snapshot of the portal content with its derived indexes and page models."""

    def __init__(
        self,
        name: str,
        categories: Iterable[Mapping[str, Any]],
        articles: Iterable[Mapping[str, Any]],
        laws: Iterable[Mapping[str, Any]],
    ) -> None:
        self.name = name or DEFAULT_SITE_NAME
        self.categories = [dict(c) for c in categories]
        self.cat_by_alias = {c["alias"]: c for c in self.categories}
        self.articles: dict[int, dict[str, Any]] = {}
        for raw in articles:
            check_article(raw)
            self.articles[int(raw["id"])] = raw  # type: ignore[assignment]
        self.laws: dict[int, dict[str, Any]] = {}
        for raw in laws:
            missing = [k for k in LAW_KEYS if k not in raw]
            if missing:
                raise ValueError(f"law lacks {missing}: {raw!r:.80}")
            self.laws[int(raw["id"])] = raw  # type: ignore[assignment]
        self.article_views = {
            aid: self._article_view(a)
            for aid, a in self.articles.items()
            if a["category"] in self.cat_by_alias
        }
        self.news = sorted(
            self.article_views.values(), key=lambda v: (v["published"], v["id"]), reverse=True
        )
        self.news_by_cat: dict[str, list[dict[str, Any]]] = {c: [] for c in self.cat_by_alias}
        self.news_by_tag: dict[str, list[dict[str, Any]]] = {}
        self.tag_titles: dict[str, str] = {}
        for view in self.news:
            self.news_by_cat[view["category"]["alias"]].append(view)
            for tag in view["tags"]:
                self.news_by_tag.setdefault(tag["alias"], []).append(view)
                self.tag_titles.setdefault(tag["alias"], tag["title"])
        self.law_views = {lid: self._law_view(law) for lid, law in self.laws.items()}
        self.laws_sorted = sorted(
            self.law_views.values(),
            key=lambda v: (v["issued"] or date.min, v["id"]),
            reverse=True,
        )
        self.files: dict[str, dict[str, Any]] = {}
        for view in self.news:
            for att in view["attachments"]:
                self.files[att["path"]] = att
        for view in self.laws_sorted:
            for att in view["attachments"]:
                self.files[att["path"]] = att

    @classmethod
    def from_content(cls, content: Any) -> SiteState:
        """Build a state from a `Site` (or a mapping with the same keys), copying its records."""
        return cls(
            name=_field(content, "name", DEFAULT_SITE_NAME),
            categories=copy.deepcopy(list(_field(content, "categories", []) or [])),
            articles=copy.deepcopy(list(_field(content, "articles", []) or [])),
            laws=copy.deepcopy(list(_field(content, "laws", []) or [])),
        )

    def replace(self, *, articles: Iterable[Mapping[str, Any]] | None = None) -> SiteState:
        """Return a new state with `articles` replacing the current ones."""
        return SiteState(
            self.name,
            self.categories,
            self.articles.values() if articles is None else articles,
            self.laws.values(),
        )

    def _article_view(self, a: Mapping[str, Any]) -> dict[str, Any]:
        """The page model of one article: URLs, parsed times, formatted fields."""
        cat = self.cat_by_alias[a["category"]]
        published = parse_time(a["published"])
        edited = parse_time(a.get("edited") or a["published"])
        aid = int(a["id"])
        slug = f"{a['alias']}-{aid}.html"
        month_dir = f"{published:%Y_%m}"
        attachments = []
        for index, att in enumerate(a.get("attachments") or []):
            # A bare file name lives in the month folder of publication; "2021_01/x.pdf" as given.
            relative = att["file"] if "/" in att["file"] else f"{month_dir}/{att['file']}"
            path = f"/uploads/{NEWS_MODULE}/{relative}"
            attachments.append(
                {
                    "index": index + 1,
                    "file": att["file"],
                    "title": att.get("title") or att["file"],
                    "path": path,
                    "data": att.get("data"),
                }
            )
        tags = [{"title": t, "alias": make_alias(t)} for t in a.get("tags") or [] if t]
        for tag in tags:
            tag["url"] = f"/{NEWS_MODULE}/tag/{tag['alias']}/"
        return {
            "id": aid,
            "raw": a,
            "title": a["title"],
            "alias": a["alias"],
            "category": cat,
            "url": f"/{NEWS_MODULE}/{cat['alias']}/{slug}",
            "print_url": f"/{NEWS_MODULE}/print/{cat['alias']}/{slug}",
            "published": published,
            "edited": edited,
            "hometext": a.get("hometext") or "",
            "views": int(a.get("views") or 0),
            "comments": int(a.get("comments") or 0),
            "thumb": f"/assets/{NEWS_MODULE}/{month_dir}/{a['alias'][:60]}.png",
            "image": f"/uploads/{NEWS_MODULE}/{month_dir}/{a['alias'][:60]}.png",
            "tags": tags,
            "attachments": attachments,
            "etag": _digest("a", aid, sorted((k, repr(v)) for k, v in a.items())),
        }

    def _law_view(self, law: Mapping[str, Any]) -> dict[str, Any]:
        """The page model of one legal document."""
        lid = int(law["id"])
        issued = parse_day(law.get("issued"))
        attachments = []
        for index, att in enumerate(law.get("attachments") or []):
            attachments.append(
                {
                    "index": index + 1,
                    "file": att["file"],
                    "title": att.get("title") or att["file"],
                    "path": f"/uploads/{LAWS_MODULE}/{att['file']}",
                    "data": att.get("data"),
                }
            )
        modified_source = law.get("edited") or issued or date(2020, 1, 1)
        return {
            "id": lid,
            "raw": law,
            "title": law["title"],
            "abstract": law.get("abstract") or "",
            "number": law.get("number") or "",
            "url": f"/{LAWS_MODULE}/detail/{law['alias']}-{lid}/",
            "issued": issued,
            "effective": parse_day(law.get("effective")),
            "expires": parse_day(law.get("expires")),
            "modified": parse_time(modified_source),
            "attachments": attachments,
            "etag": _digest("l", lid, sorted((k, repr(v)) for k, v in law.items())),
        }


def check_article(a: Mapping[str, Any]) -> None:
    """Raise ValueError when an article dict lacks a required key."""
    missing = [k for k in ARTICLE_KEYS if k not in a]
    if missing:
        raise ValueError(f"article lacks {missing}: {a!r:.80}")


def paginate(items: list[Any], page: int, per_page: int) -> tuple[list[Any], int]:
    """The items of `page` (1-based) and the number of pages (at least 1)."""
    pages = max(1, -(-len(items) // per_page))
    start = (page - 1) * per_page
    return items[start : start + per_page], pages


def page_links(base: str, page: int, pages: int) -> list[dict[str, Any]]:
    """Links of `ul.pagination` as NukeViet's nv_generate_page lays them out (page 1 is `base`)."""

    def href(n: int) -> str:
        return base if n == 1 else f"{base}page-{n}/"

    def link(text: str, **fields: Any) -> dict[str, Any]:
        return {
            "href": None,
            "rel": None,
            "title": None,
            "active": False,
            "disabled": False,
            "text": text,
            **fields,
        }

    if pages <= 1:
        return []
    links: list[dict[str, Any]] = []
    if page > 1:
        links.append(link("«", href=href(page - 1), rel="prev", title="Trang trước"))
    shown = sorted({1, 2, pages - 1, pages, *range(page - 2, page + 3)})
    previous = 0
    for n in shown:
        if n < 1 or n > pages:
            continue
        if n - previous > 1:
            links.append(link("...", disabled=True))
        rel = "prev" if n == page - 1 else "next" if n == page + 1 else None
        links.append(link(str(n), href=href(n), rel=rel, active=n == page))
        previous = n
    if page < pages:
        links.append(link("»", href=href(page + 1), rel="next", title="Trang sau"))
    return links


def signature_html(text: str, fmt: str | None, form: str | None) -> str:
    """An editor-typed signature paragraph in one of the formats seen on real portals."""
    inner = text_in_form(text, form)
    if fmt == "bold":
        return f"<p><strong>{inner}</strong></p>"
    if fmt == "right":
        return f'<p style="text-align: right;">{inner}</p>'
    return f'<p style="text-align:right"><strong>{inner}</strong></p>'


def theo_text(source: str) -> str:
    """`Theo Báo Tây Ninh` from a source name (kept as is when it already reads so)."""
    if re.match(r"^(theo|nguồn)\b", source, re.IGNORECASE):
        return source
    return f"Theo {source}"


def body_html(view: Mapping[str, Any]) -> Markup:
    """The CKEditor-like body of an article: paragraphs, then the typed signature if any."""
    a = view["raw"]
    form = a.get("text_form")
    parts = [
        f'<p style="text-align: justify;">{text_in_form(p, form)}</p>'
        for p in a.get("paragraphs") or []
    ]
    style = a.get("author_style")
    if style == "signature" and a.get("author"):
        parts.append(signature_html(a["author"], a.get("signature_format"), form))
    elif style == "theo" and a.get("source"):
        parts.append(signature_html(theo_text(a["source"]), a.get("signature_format"), form))
    if view["id"] % 3 == 0:
        # Editors leave empty paragraphs after the signature; the seed article shows them.
        parts.append("<p>&nbsp;</p>")
    return Markup("\n".join(parts))


def byline(view: Mapping[str, Any]) -> list[dict[str, Markup]]:
    """Rows of the `p.h5.text-right` byline block shown after the body."""
    a = view["raw"]
    form = a.get("text_form")
    style = a.get("author_style")
    rows = []
    if style == "block" and a.get("author"):
        rows.append({"label": "Tác giả bài viết", "value": text_in_form(a["author"], form)})
    if style in ("block", "source") and a.get("source"):
        rows.append({"label": "Nguồn tin", "value": text_in_form(a["source"], form)})
    return rows


class Renderer:
    """Renders every page of the replica from a `SiteState`."""

    def __init__(self, template_dir: Path = TEMPLATE_DIR) -> None:
        self.env = Environment(
            loader=FileSystemLoader(str(template_dir)),
            autoescape=select_autoescape(("html", "xml"), default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=StrictUndefined,
        )
        self.env.filters.update(
            detail_time=fmt_detail_time,
            list_time=fmt_list_time,
            dmy=fmt_dmy,
            iso=fmt_iso,
            og_time=fmt_og_time,
            rfc822=fmt_rfc822,
            count=fmt_count,
            counter=fmt_counter,
        )
        self.env.globals.update(
            NEWS=NEWS_MODULE, LAWS=LAWS_MODULE, COUNTER=COUNTER, BANNERS=BANNERS
        )

    def _page(
        self,
        template: str,
        state: SiteState,
        base_url: str,
        *,
        title: str,
        breadcrumbs: list[tuple[str, str]] | None = None,
        exclude_id: int | None = None,
        **context: Any,
    ) -> str:
        """Render `template` inside the eGovernment page shell."""
        latest = [v for v in state.news if v["id"] != exclude_id][:LATEST_BLOCK_ITEMS]
        return self.env.get_template(template).render(
            site=state,
            base_url=base_url,
            page_title=title,
            breadcrumbs=breadcrumbs or [],
            latest=latest,
            latest_laws=state.laws_sorted[:5],
            meta=context.pop("meta", {}),
            **context,
        )

    def home(self, state: SiteState, base_url: str) -> str:
        """Home page: the latest articles of each category."""
        boxes = [
            {"category": c, "items": state.news_by_cat[c["alias"]][:HOME_PER_CATEGORY]}
            for c in state.categories
        ]
        return self._page(
            "home.html", state, base_url, title=state.name, boxes=boxes, canonical="/"
        )

    def news_listing(
        self,
        state: SiteState,
        base_url: str,
        *,
        heading: str,
        base: str,
        items: list[dict[str, Any]],
        page: int,
        breadcrumbs: list[tuple[str, str]],
    ) -> str | None:
        """A paged listing (module main, category or tag); None when `page` is out of range."""
        chunk, pages = paginate(items, page, NEWS_PER_PAGE)
        if page > pages:
            return None
        canonical = base if page == 1 else f"{base}page-{page}/"
        title = heading if page == 1 else f"{heading} - Trang {page}"
        return self._page(
            "news_list.html",
            state,
            base_url,
            title=f"{title} - {state.name}",
            breadcrumbs=breadcrumbs,
            heading=heading,
            items=chunk,
            pagination=page_links(base, page, pages),
            canonical=canonical,
            page=page,
            pages=pages,
        )

    def article(self, state: SiteState, base_url: str, view: dict[str, Any]) -> str:
        """Article detail page with its traps (microdata edit time, malformed og time, login author)."""
        cat_items = state.news_by_cat[view["category"]["alias"]]
        position = next(i for i, v in enumerate(cat_items) if v["id"] == view["id"])
        newer = list(reversed(cat_items[max(0, position - RELATED_ITEMS) : position]))
        older = cat_items[position + 1 : position + 1 + RELATED_ITEMS]
        form = view["raw"].get("text_form")
        cat = view["category"]
        return self._page(
            "news_detail.html",
            state,
            base_url,
            title=f"{view['title']} - {cat['title']} - {state.name}",
            breadcrumbs=[
                ("Tin tức", f"/{NEWS_MODULE}/"),
                (cat["title"], f"/{NEWS_MODULE}/{cat['alias']}/"),
            ],
            exclude_id=view["id"],
            a=view,
            title_html=text_in_form(view["title"], form),
            hometext_html=text_in_form(view["hometext"], form),
            body=body_html(view),
            byline=byline(view),
            newer=newer,
            older=older,
            rating=_rating(view["id"]),
            sample_comments=_sample_comments(view),
            canonical=view["url"],
            meta={
                "og_type": "article",
                "description": view["hometext"],
                "published": fmt_og_time(view["published"]),
                "modified": fmt_og_time(view["edited"]),
                "section": cat["title"],
                "tags": [t["title"] for t in view["tags"]],
            },
        )

    def article_print(self, state: SiteState, base_url: str, view: dict[str, Any]) -> str:
        """Print view: the same article in a minimal shell."""
        form = view["raw"].get("text_form")
        return self.env.get_template("news_print.html").render(
            site=state,
            base_url=base_url,
            a=view,
            title_html=text_in_form(view["title"], form),
            hometext_html=text_in_form(view["hometext"], form),
            body=body_html(view),
            byline=byline(view),
        )

    def laws_listing(self, state: SiteState, base_url: str, page: int) -> str | None:
        """The laws module list (`.flex-table-laws`); None when `page` is out of range."""
        chunk, pages = paginate(state.laws_sorted, page, LAWS_PER_PAGE)
        if page > pages:
            return None
        base = f"/{LAWS_MODULE}/"
        return self._page(
            "laws_list.html",
            state,
            base_url,
            title=f"Văn bản{'' if page == 1 else f' - Trang {page}'} - {state.name}",
            breadcrumbs=[("Văn bản", base)],
            items=chunk,
            pagination=page_links(base, page, pages),
            canonical=base if page == 1 else f"{base}page-{page}/",
        )

    def law(self, state: SiteState, base_url: str, view: dict[str, Any]) -> str:
        """Laws module detail page."""
        law = view["raw"]
        paragraphs = [str(p) for p in law.get("paragraphs") or []]
        return self._page(
            "laws_detail.html",
            state,
            base_url,
            title=f"{view['title']} - Văn bản - {state.name}",
            breadcrumbs=[("Văn bản", f"/{LAWS_MODULE}/")],
            d=view,
            law=law,
            paragraphs=paragraphs,
            canonical=view["url"],
            meta={"description": view["abstract"]},
        )

    def search(self, state: SiteState, base_url: str, query: str) -> str:
        """The news search page (disallowed to robots)."""
        needle = fold_vietnamese(query).lower().strip()
        hits = (
            [v for v in state.news if needle in fold_vietnamese(v["title"]).lower()][:NEWS_PER_PAGE]
            if needle
            else []
        )
        return self._page(
            "search.html",
            state,
            base_url,
            title=f"Tìm kiếm - {state.name}",
            breadcrumbs=[("Tìm kiếm", f"/{NEWS_MODULE}/search/")],
            query=query,
            hits=hits,
            canonical=f"/{NEWS_MODULE}/search/",
        )

    def simple(self, state: SiteState, base_url: str, path: str) -> str | None:
        """One of the site's fixed pages (contact, terms, login); None for other paths."""
        page = SIMPLE_PAGES.get(path)
        if page is None:
            return None
        heading, paragraphs = page
        return self._page(
            "simple.html",
            state,
            base_url,
            title=f"{heading} - {state.name}",
            breadcrumbs=[(heading, path)],
            heading=heading,
            paragraphs=paragraphs,
            canonical=path,
        )

    def not_found(self, state: SiteState, base_url: str) -> str:
        """Themed 404 page."""
        return self._page(
            "404.html", state, base_url, title=f"Lỗi 404 - {state.name}", canonical=None
        )

    def rss(self, state: SiteState, base_url: str, category: dict[str, Any] | None) -> str:
        """RSS 2.0 feed of the latest items of the module or one category."""
        items = state.news_by_cat[category["alias"]] if category else state.news
        link = f"/{NEWS_MODULE}/{category['alias']}/" if category else f"/{NEWS_MODULE}/"
        self_link = (
            f"/{NEWS_MODULE}/rss/{category['alias']}/" if category else f"/{NEWS_MODULE}/rss/"
        )
        return self.env.get_template("rss.xml").render(
            site=state,
            base_url=base_url,
            title=category["title"] if category else "Tin tức",
            link=link,
            self_link=self_link,
            items=items[:RSS_ITEMS],
        )

    def sitemap_index(self, state: SiteState, base_url: str) -> str:
        """`/sitemap.xml`: the index of the module sitemaps."""
        news_mod = state.news[0]["published"] if state.news else None
        laws_mod = state.laws_sorted[0]["modified"] if state.laws_sorted else None
        maps = [
            ("/sitemap-vi.news.xml", news_mod),
            ("/sitemap-vi.laws.xml", laws_mod),
        ]
        return self.env.get_template("sitemap_index.xml").render(base_url=base_url, maps=maps)

    def news_sitemap(self, state: SiteState, base_url: str) -> str:
        """`/sitemap-vi.news.xml`: the latest articles, lastmod = publish time (as NukeViet does)."""
        urls = [(v["url"], v["published"]) for v in state.news[:SITEMAP_ITEMS]]
        return self.env.get_template("sitemap_urlset.xml").render(base_url=base_url, urls=urls)

    def laws_sitemap(self, state: SiteState, base_url: str) -> str:
        """`/sitemap-vi.laws.xml`: the legal documents."""
        urls = [(v["url"], v["modified"]) for v in state.laws_sorted[:SITEMAP_ITEMS]]
        return self.env.get_template("sitemap_urlset.xml").render(base_url=base_url, urls=urls)

    def robots(self, base_url: str) -> str:
        """NukeViet's default robots.txt plus the search disallow."""
        return self.env.get_template("robots.txt").render(base_url=base_url)


def _rating(article_id: int) -> dict[str, Any]:
    """Deterministic star-rating figures for an article."""
    votes = article_id % 7
    points = votes * (3 + article_id % 3)
    return {"votes": votes, "points": points, "average": round(points / votes, 1) if votes else 0}


def _sample_comments(view: Mapping[str, Any]) -> list[dict[str, str]]:
    """Up to two reader comments shown under the article (page noise, not the article)."""
    names = ("Nguyễn Văn Bình", "Trần Thị Hoa")
    texts = (
        "Bài viết rất thiết thực, cảm ơn Ban biên tập.",
        "Đề nghị địa phương tiếp tục thông tin kịp thời đến người dân.",
    )
    count = min(2, view["comments"])
    when = view["published"] + timedelta(hours=5)
    return [
        {"name": names[i], "text": texts[i], "time": f"{when + timedelta(hours=i):%d/%m/%Y %H:%M}"}
        for i in range(count)
    ]
