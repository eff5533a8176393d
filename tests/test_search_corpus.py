"""A small curated corpus of Vietnamese records for the index, search and export tests."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from indexer.index import index_records
from scraper.record import empty_record

BASE = "https://trangbang.tayninh.gov.vn"


def _article(alias: str, **fields: Any) -> dict[str, Any]:
    fields.setdefault("kind", "article")
    fields.setdefault("portal", "trangbang")
    fields.setdefault("cms", "nukeviet-news")
    return empty_record(f"{BASE}/news/tin-tuc/{alias}.html", **fields)


CORPUS: list[dict[str, Any]] = [
    _article(
        "dai-hoi-dang-bo-1",
        title="Đại hội Đảng bộ thị xã Trảng Bàng lần thứ XII, nhiệm kỳ 2020 - 2025",
        published="2020-07-10T08:00:00+07:00",
        author="Thanh Vi-BTG Thị ủy",
        summary="Sáng ngày 10/7, Đại hội đại biểu Đảng bộ thị xã khai mạc trọng thể.",
        body=(
            "Dự đại hội có 250 đại biểu đại diện cho hơn 4.000 đảng viên trong toàn Đảng bộ.\n\n"
            "Đại hội thảo luận văn kiện, bầu Ban Chấp hành Đảng bộ thị xã khóa mới."
        ),
        category="Tin tức - Sự kiện",
    ),
    _article(
        "cong-trinh-cau-2",
        title="Công trình cầu Suối Sâu đang được thi công",
        published="2021-03-02T09:30:00+07:00",
        author="Minh Châu (Phòng VH-TT)",
        body="Công trình đang được thi công đúng tiến độ, dự kiến hoàn thành trong năm nay.",
        category="Kinh tế",
    ),
    _article(
        "hoa-binh-3",
        title="Gìn giữ hòa bình và chăm lo sức khỏe nhân dân",
        published="2019-05-15",
        body="Công tác thủy lợi được chú trọng; người dân khỏe mạnh, xã hội hòa thuận.",
        portal="tayninh",
    ),
    _article(
        "hoa-binh-4",
        title="Chương trình hoà nhập cộng đồng",
        published="2022-11-20T14:00:00+07:00",
        body="Các hộ dân vùng thuỷ lợi đều khoẻ mạnh; quỹ học bổng qúy I đã giải ngân.",
        portal="tayninh",
    ),
    _article(
        "lanh-dao-5",
        title="Tăng cường sự lãnh đạo của Đảng đối với công tác dân vận",
        published="2021-06-01T07:00:00+07:00",
        body="Nâng cao vai trò lãnh đạo của Đảng trong hệ thống chính trị ở cơ sở.",
        author="Ban Dân vận Thị ủy",
    ),
    _article(
        "lanh-dao-6",
        title="Hội nghị tổng kết công tác năm",
        published="2021-12-28T15:00:00+07:00",
        body="Đồng chí Bí thư nhấn mạnh: lãnh đạo Đảng bộ cần quyết liệt hơn trong năm tới.",
    ),
    empty_record(
        f"{BASE}/laws/detail/cong-van-45-cv-btgtu-45/",
        portal="trangbang",
        kind="document",
        title="Công văn về việc tuyên truyền kỷ niệm 91 năm Ngày thành lập Đảng",
        published="2021-01-21",
        summary="Tuyên truyền kỷ niệm 91 năm Ngày thành lập Đảng Cộng sản Việt Nam (3/2/1930 - 3/2/2021).",
        body="Ban Tuyên giáo Thị ủy đề nghị các cơ quan, đơn vị tổ chức tuyên truyền sâu rộng.",
        doc_number="45-CV/BTGTU",
        doc_type="Công văn",
        issuer="Ban Tuyên giáo Thị ủy",
        signer="Nguyễn Văn Hùng",
        cms="nukeviet-laws",
        attachments=[{"url": f"{BASE}/uploads/laws/45-cv.pdf", "title": "45-CV-BTGTU.pdf"}],
    ),
    _article(
        "tuyen-truyen-7",
        title="Thị xã triển khai tuyên truyền kỷ niệm ngày thành lập Đảng",
        published="2021-01-26T17:00:00+07:00",
        author="Thanh Vi-BTG Thị ủy",
        body=(
            "Thực hiện Công văn số 45-CV/BTGTU ngày 21/01/2021 của Ban Tuyên giáo Thị ủy, "
            "các xã, phường tổ chức treo băng rôn, khẩu hiệu."
        ),
        doc_refs=["45-CV/BTGTU"],
    ),
    _article(
        "tuyen-truyen-8",
        title="Phường An Tịnh treo cờ chào mừng",
        published="2021-02-01T08:00:00+07:00",
        body="Theo hướng dẫn tại công văn 45-CV/BTGTU, phường đã hoàn thành việc trang trí.",
        portal="antinh",
    ),
    empty_record(
        "https://congan.tayninh.gov.vn/laws/detail/quyet-dinh-39-qd-ca-39/",
        portal="congan",
        kind="document",
        title="Quyết định ban hành quy chế làm việc",
        published="2023-04-03",
        body="Quyết định này có hiệu lực kể từ ngày ký.",
        doc_number="39/QĐ-CA",
        doc_refs=["15/2012/NĐ-CP"],
        signer="Trần Minh Quân",
        cms="nukeviet-laws",
    ),
    _article(
        "dinh-kem-9",
        title="Kế hoạch phòng chống thiên tai",
        published="2022-08-08T10:00:00+07:00",
        body="Xem chi tiết trong tập tin đính kèm.",
        attachments=[
            {
                "url": f"{BASE}/uploads/news/2022_08/ke-hoach.pdf",
                "title": "Kế hoạch.pdf",
                "text": "Phương án sơ tán dân khi có bão lũ, sạt lở đất ven sông Vàm Cỏ Đông.",
            }
        ],
    ),
    _article(
        "khong-ngay-10",
        title="Giới thiệu lịch sử địa phương",
        published=None,
        body="Vùng đất Trảng Bàng có bề dày truyền thống cách mạng.",
        portal="antinh",
    ),
    _article(
        "cong-thuc-11",
        title='=HYPERLINK("http://evil.example","Bấm vào đây")',
        published="2020-01-02",
        author="-Quản trị",
        body="+84 276 3880 123 là số điện thoại đường dây nóng của thị xã.",
        summary="@Ban biên tập",
        portal="antinh",
    ),
    _article(
        # decomposed (NFD) text as some portals serve it
        "nfd-12",
        title=unicodedata.normalize("NFD", "Tuyên dương học sinh giỏi cấp tỉnh"),
        published="2023-05-30T08:00:00+07:00",
        body=unicodedata.normalize(
            "NFD", "Lễ tuyên dương được tổ chức trang trọng tại hội trường."
        ),
    ),
]


def url_of(alias: str) -> str:
    """The URL of the corpus record whose URL contains `alias`."""
    matches = [r["url"] for r in CORPUS if alias in r["url"]]
    assert len(matches) == 1, alias
    return matches[0]


def build_corpus_index(index_dir: Path) -> Path:
    """Index the corpus into `index_dir` and return it."""
    index_records(index_dir, CORPUS)
    return index_dir
