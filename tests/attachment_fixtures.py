"""Makers of attachment files (PDF, scanned PDF, DOCX, DOC, TCVN3 text) for tests and the replica."""

from __future__ import annotations

import io
import logging
import math
import os
import random
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from scraper.attachments.legacy import unicode_to_tcvn3, unicode_to_vni

logger = logging.getLogger(__name__)

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/truetype/dejavu"),
)
SERIF_FONTS = ("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf")
SERIF_BOLD_FONTS = ("LiberationSerif-Bold.ttf", "DejaVuSerif-Bold.ttf")

# A plan of a town People's Committee, as such attachments read (single column, in reading order).
ADMIN_PARAGRAPHS: tuple[str, ...] = (
    "ỦY BAN NHÂN DÂN THỊ XÃ HÒA THÀNH",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Số: 125/KH-UBND Hòa Thành, ngày 26 tháng 01 năm 2021",
    "KẾ HOẠCH",
    "Tuyên truyền kỷ niệm 91 năm Ngày thành lập Đảng Cộng sản Việt Nam (03/02/1930 - 03/02/2021)",
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Căn cứ Công văn số 45-CV/BTGTU ngày 21/01/2021 của Ban Tuyên giáo Thị ủy về việc hướng dẫn "
    "tuyên truyền các ngày lễ, kỷ niệm năm 2021;",
    "Ủy ban nhân dân thị xã ban hành Kế hoạch tuyên truyền như sau:",
    "I. MỤC ĐÍCH, YÊU CẦU",
    "1. Tuyên truyền sâu rộng trong cán bộ, đảng viên và các tầng lớp nhân dân về truyền thống vẻ "
    "vang của Đảng Cộng sản Việt Nam, khẳng định vai trò lãnh đạo của Đảng đối với sự nghiệp cách "
    "mạng của dân tộc.",
    "2. Công tác tuyên truyền phải được tiến hành thiết thực, hiệu quả, tiết kiệm, gắn với việc "
    "thực hiện nhiệm vụ phát triển kinh tế - xã hội và bảo đảm quốc phòng, an ninh trên địa bàn.",
    "II. NỘI DUNG VÀ HÌNH THỨC TUYÊN TRUYỀN",
    "1. Phòng Văn hóa và Thông tin chủ trì, phối hợp với Trung tâm Văn hóa, Thể thao và Truyền "
    "thanh thị xã treo băng rôn, khẩu hiệu, cờ Đảng, cờ Tổ quốc tại các tuyến đường chính.",
    "2. Ủy ban nhân dân các xã, phường tổ chức tuyên truyền trên hệ thống loa truyền thanh cơ sở, "
    "trang thông tin điện tử và mạng xã hội; thời gian thực hiện từ ngày 25/01/2021 đến hết ngày "
    "05/02/2021.",
    "III. TỔ CHỨC THỰC HIỆN",
    "Yêu cầu thủ trưởng các cơ quan, đơn vị và Chủ tịch Ủy ban nhân dân các xã, phường nghiêm túc "
    "triển khai thực hiện; báo cáo kết quả về Ủy ban nhân dân thị xã (qua Phòng Văn hóa và Thông "
    "tin) trước ngày 10/02/2021 để tổng hợp.",
    "Nơi nhận: - Thường trực Thị ủy; - Chủ tịch, các PCT UBND thị xã; - Lưu: VT.",
    "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH",
    "Nguyễn Văn Hùng",
)
TITLE_PARAGRAPHS = frozenset({0, 1, 2, 4, 9, 12, 15, 18, 19})

# A directive (Chỉ thị) of the same committee: a second page of different wording for benchmarks.
DIRECTIVE_PARAGRAPHS: tuple[str, ...] = (
    "CHỈ THỊ",
    "Về việc tăng cường công tác phòng, chống dịch bệnh và bảo đảm trật tự an toàn giao thông "
    "trong dịp Tết Nguyên đán Tân Sửu năm 2021",
    "Thời gian qua, được sự quan tâm lãnh đạo, chỉ đạo của Thị ủy, Hội đồng nhân dân thị xã, "
    "các cấp, các ngành đã tích cực triển khai nhiều giải pháp đồng bộ, góp phần giữ vững ổn "
    "định chính trị, bảo đảm trật tự, an toàn xã hội trên địa bàn.",
    "Tuy nhiên, tình hình dịch bệnh vẫn diễn biến phức tạp, nguy cơ lây nhiễm trong cộng đồng "
    "còn cao; tai nạn giao thông tuy giảm nhưng vẫn còn xảy ra, nhất là vào các ngày lễ, Tết.",
    "Để chủ động ứng phó, Chủ tịch Ủy ban nhân dân thị xã chỉ thị:",
    "1. Thủ trưởng các cơ quan, ban, ngành, đoàn thể thị xã tiếp tục quán triệt, thực hiện "
    "nghiêm thông điệp 5K của Bộ Y tế; không tổ chức các hoạt động tập trung đông người khi "
    "không thật sự cần thiết.",
    "2. Công an thị xã chủ trì, phối hợp với Đội Quản lý trật tự đô thị tăng cường tuần tra, "
    "kiểm soát, xử lý nghiêm các hành vi vi phạm nồng độ cồn, chạy quá tốc độ quy định, chở "
    "quá số người; đảm bảo an ninh trật tự tại các chợ, bến xe, khu vui chơi.",
    "3. Trung tâm Y tế thị xã chuẩn bị đầy đủ thuốc, vật tư, trang thiết bị; bố trí lực lượng "
    "trực cấp cứu 24/24 giờ trong những ngày nghỉ Tết.",
    "4. Ủy ban nhân dân các xã, phường rà soát, nắm chắc số người từ vùng dịch trở về địa "
    "phương, hướng dẫn khai báo y tế; kịp thời báo cáo những trường hợp nghi nhiễm.",
    "Chỉ thị này có hiệu lực kể từ ngày ký. Yêu cầu thủ trưởng các cơ quan, đơn vị, Chủ tịch "
    "Ủy ban nhân dân các xã, phường nghiêm túc thực hiện./.",
    "CHỦ TỊCH",
    "Trần Minh Quang",
)


def find_font(names: Sequence[str] = SERIF_FONTS) -> Path:
    """Return the first installed font file among `names` (fonts-liberation2, fonts-dejavu-core)."""
    for name in names:
        for folder in FONT_DIRS:
            if (folder / name).exists():
                return folder / name
    raise FileNotFoundError(f"none of {list(names)} installed (apt-get install fonts-dejavu-core)")


def ground_truth(paragraphs: Sequence[str]) -> str:
    """Return the text a perfect extractor gives for `paragraphs`: NFC, one space between words."""
    return " ".join(unicodedata.normalize("NFC", " ".join(paragraphs)).split())


def make_text_pdf(paragraphs: Sequence[str] = ADMIN_PARAGRAPHS, *, font_size: float = 13) -> bytes:
    """Return a PDF with a real text layer in an embedded Unicode font (Liberation/DejaVu Serif)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(30, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("Serif", "", str(find_font(SERIF_FONTS)))
    pdf.add_font("Serif", "B", str(find_font(SERIF_BOLD_FONTS)))
    pdf.set_creator("govarchive tests")
    pdf.add_page()
    for i, paragraph in enumerate(paragraphs):
        title = i in TITLE_PARAGRAPHS and paragraphs is ADMIN_PARAGRAPHS
        pdf.set_font("Serif", "B" if title else "", font_size)
        pdf.multi_cell(
            0,
            font_size * 0.5,
            paragraph,
            align="C" if title else "J",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(2)
    return bytes(pdf.output())


def make_encrypted_pdf(
    paragraphs: Sequence[str] = ADMIN_PARAGRAPHS[:5], password: str = "mk"
) -> bytes:
    """Return a text PDF that opens only with a user password."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("Serif", "", str(find_font(SERIF_FONTS)))
    pdf.set_encryption(owner_password=password + "-owner", user_password=password)
    pdf.add_page()
    pdf.set_font("Serif", "", 13)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 7, paragraph, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def render_pages(
    paragraphs: Sequence[str], *, dpi: int = 300, font_size: float = 13
) -> list[Image.Image]:
    """Return A4 page images (RGB) with `paragraphs` typeset as a typed official letter."""
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    mm = dpi / 25.4
    left, right, top, bottom = round(30 * mm), round(20 * mm), round(20 * mm), round(20 * mm)
    size = round(font_size / 72 * dpi)
    regular = ImageFont.truetype(str(find_font(SERIF_FONTS)), size)
    bold = ImageFont.truetype(str(find_font(SERIF_BOLD_FONTS)), size)
    line_height = round(size * 1.45)
    pages: list[Image.Image] = []
    page, draw, y = None, None, top
    for i, paragraph in enumerate(paragraphs):
        title = i in TITLE_PARAGRAPHS and paragraphs is ADMIN_PARAGRAPHS
        font = bold if title else regular
        for line in _wrap(unicodedata.normalize("NFC", paragraph), font, width - left - right):
            if page is None or y + line_height > height - bottom:
                page = Image.new("RGB", (width, height), "white")
                draw = ImageDraw.Draw(page)
                pages.append(page)
                y = top
            x = left
            if title:
                x = left + (width - left - right - draw.textlength(line, font=font)) / 2
            draw.text((x, y), line, font=font, fill=(20, 20, 20))
            y += line_height
        y += line_height // 3
    return pages


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and font.getlength(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def add_stamp(page: Image.Image, *, dpi: int, seed: int = 7) -> None:
    """Press a red round seal (rings, star, lettering) over the last lines of text on `page`."""
    gray = page.convert("L")
    bbox = Image.eval(gray, lambda v: 255 if v < 128 else 0).getbbox() or (0, 0, *page.size)
    radius = round(0.8 * dpi)  # a 4 cm seal
    cx = bbox[2] - radius * 1.3
    cy = bbox[3] - radius * 0.6
    layer = Image.new("RGB", page.size, "white")
    draw = ImageDraw.Draw(layer)
    red = (215, 35, 40)
    for r, w in ((radius, max(3, dpi // 60)), (radius * 0.78, max(2, dpi // 100))):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=round(w))
    star = [
        (
            cx + radius * (0.3 if k % 2 == 0 else 0.12) * math.sin(math.pi * k / 5),
            cy - radius * (0.3 if k % 2 == 0 else 0.12) * math.cos(math.pi * k / 5),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=red)
    font = ImageFont.truetype(str(find_font(SERIF_BOLD_FONTS)), round(radius * 0.14))
    letters = "ỦY BAN NHÂN DÂN * THỊ XÃ HÒA THÀNH * TÂY NINH *"
    for k, letter in enumerate(letters):
        angle = 2 * math.pi * k / len(letters)
        x = cx + radius * 0.89 * math.sin(angle)
        y = cy - radius * 0.89 * math.cos(angle)
        draw.text((x, y), letter, font=font, fill=red, anchor="mm")
    rng = random.Random(seed)
    # Uneven ink: a seal never prints solid.
    pixels = layer.load()
    for _ in range(int(radius * radius * 0.6)):
        x = int(cx + rng.uniform(-radius, radius))
        y = int(cy + rng.uniform(-radius, radius))
        if 0 <= x < page.width and 0 <= y < page.height and pixels[x, y] != (255, 255, 255):
            pixels[x, y] = (240, 150, 150)
    from PIL import ImageChops

    page.paste(ImageChops.multiply(page, layer))


def add_speckle(page: Image.Image, density: float, *, seed: int = 11) -> None:
    """Scatter dark dust specks over `density` of the page area (0.001 is a dusty scanner glass)."""
    rng = random.Random(seed)
    draw = ImageDraw.Draw(page)
    count = int(page.width * page.height * density / 4)
    for _ in range(count):
        x, y = rng.randrange(page.width), rng.randrange(page.height)
        r = rng.choice((0.5, 1, 1, 1.5))
        shade = rng.randrange(0, 90)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(shade, shade, shade))


def make_scanned_pdf(
    paragraphs: Sequence[str] = ADMIN_PARAGRAPHS,
    dpi: int = 300,
    rotate: float = 0.0,
    speckle: float = 0.0,
    stamp: bool = False,
    jpeg_quality: int | None = None,
    signed_by: str | None = None,
) -> bytes:
    """Return an image-only PDF: the text rendered, optionally skewed, dusty, stamped, JPEG'd.

    `signed_by` adds the small text box that digital-signature tools print on the first page.
    """
    from fpdf import FPDF

    pages = render_pages(paragraphs, dpi=dpi)
    pdf = FPDF(format="A4")
    pdf.set_creator("govarchive tests scanner")
    for index, page in enumerate(pages):
        if stamp and index == len(pages) - 1:
            add_stamp(page, dpi=dpi)
        if rotate:
            page = page.rotate(rotate, resample=Image.Resampling.BICUBIC, fillcolor="white")
        if speckle:
            add_speckle(page, speckle, seed=11 + index)
        buffer = io.BytesIO()
        if jpeg_quality is not None:
            page.save(buffer, format="JPEG", quality=jpeg_quality, dpi=(dpi, dpi))
        elif not stamp:
            page.convert("L").save(buffer, format="PNG", dpi=(dpi, dpi))
        else:
            page.save(buffer, format="PNG", dpi=(dpi, dpi))
        pdf.add_page()
        buffer.seek(0)
        pdf.image(buffer, x=0, y=0, w=pdf.w, h=pdf.h)
        if signed_by and index == 0:
            pdf.add_font(
                "Sans", "", str(find_font(("LiberationSans-Regular.ttf", "DejaVuSans.ttf")))
            )
            pdf.set_font("Sans", "", 7)
            pdf.set_xy(120, 5)
            pdf.multi_cell(
                80, 3.5, f"Người ký: {signed_by}\nThời gian ký: 26.01.2021 16:40:12 +07:00"
            )
    return bytes(pdf.output())


def make_docx(
    paragraphs: Sequence[str] = ADMIN_PARAGRAPHS[4:],
    *,
    table: Sequence[Sequence[str]] | None = (
        ("ỦY BAN NHÂN DÂN THỊ XÃ HÒA THÀNH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        ("Số: 125/KH-UBND", "Hòa Thành, ngày 26 tháng 01 năm 2021"),
    ),
    font: str = "Times New Roman",
    justify: bool = False,
) -> bytes:
    """Return a DOCX: a header table (issuer | national motto) then the paragraphs."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = font
    if table:
        grid = document.add_table(rows=len(table), cols=max(len(row) for row in table))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
    for paragraph in paragraphs:
        added = document.add_paragraph(paragraph)
        if justify:
            added.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def soffice_path() -> str | None:
    """Return LibreOffice's `soffice` when installed (Debian: libreoffice-writer-nogui)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_docx(data: bytes, target: str) -> bytes:
    """Return a DOCX converted by LibreOffice headless; `target` is e.g. "doc:MS Word 97", "pdf"."""
    soffice = soffice_path()
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) not installed: cannot convert the DOCX")
    with tempfile.TemporaryDirectory(prefix="govarchive-soffice-") as tmp:
        source = Path(tmp) / "plan.docx"
        source.write_bytes(data)
        profile = Path(tmp) / "profile"
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            tmp,
            str(source),
        ]
        env = {**os.environ, "HOME": tmp}
        subprocess.run(cmd, capture_output=True, timeout=180, check=True, env=env)
        return (Path(tmp) / f"plan.{target.split(':', 1)[0]}").read_bytes()


def make_doc(paragraphs: Sequence[str] = ADMIN_PARAGRAPHS[4:], **docx_options: object) -> bytes:
    """Return a real Word 97-2003 .doc, converted from `make_docx` by LibreOffice headless."""
    return convert_docx(make_docx(paragraphs, **docx_options), "doc:MS Word 97")  # type: ignore[arg-type]


def make_office_pdf(paragraphs: Sequence[str] = ADMIN_PARAGRAPHS, **docx_options: object) -> bytes:
    """Return a PDF as an office suite exports one: justified paragraphs, LibreOffice's writer."""
    options = {"table": None, "justify": True, **docx_options}
    return convert_docx(make_docx(paragraphs, **options), "pdf")  # type: ignore[arg-type]


# Body paragraphs a `.VnTime` font can hold: no capitals with tone marks (those need `.VnTimeH`).
LEGACY_PARAGRAPHS: tuple[str, ...] = tuple(ADMIN_PARAGRAPHS[i] for i in (6, 7, 10, 11, 13))


def encode_cp1258(text: str) -> bytes:
    """Return `text` in Windows-1258: precomposed letters where it has them, tones combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            for mark in list(marks):
                joined = unicodedata.normalize("NFC", base + mark)
                if len(joined) == 1 and joined.encode("cp1258", "ignore"):
                    base = joined
                    marks.remove(mark)
            out.append((base + "".join(marks)).encode("cp1258"))
    return b"".join(out)


def make_tcvn3_text(paragraphs: Sequence[str] = LEGACY_PARAGRAPHS) -> str:
    """Return `paragraphs` as typed in a `.VnTime` (TCVN3) font, read as Windows-1252 characters.

    `.encode("cp1252")` gives the bytes of a .txt saved from such a document.
    """
    return "\n\n".join(unicode_to_tcvn3(p) for p in paragraphs)


def make_vni_text(paragraphs: Sequence[str] = LEGACY_PARAGRAPHS) -> str:
    """Return `paragraphs` as typed in a `VNI-Times` font, read as Windows-1252 characters."""
    return "\n\n".join(unicode_to_vni(p) for p in paragraphs)


def edit_distance(a: str, b: str) -> int:
    """Return the Levenshtein distance between `a` and `b` (insertions, deletions, substitutions)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def char_accuracy(text: str, truth: str) -> float:
    """Return 1 - CER of `text` against `truth`, both NFC with whitespace collapsed to one space."""
    text, truth = ground_truth([text]), ground_truth([truth])
    return max(0.0, 1 - edit_distance(text, truth) / max(len(truth), 1))
