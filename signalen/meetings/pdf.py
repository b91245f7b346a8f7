"""A small text-only PDF writer (A4, Helvetica), without extra dependencies.

Enough for an agenda, minutes and a digest as a download: headings, wrapped paragraphs,
bullet lines, page breaks and page numbers. Text is written in WinAnsi (cp1252); characters
outside it become "?". Everything is escaped, so user text cannot change the PDF structure.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

PAGE_WIDTH, PAGE_HEIGHT = 595.28, 841.89
MARGIN = 56.0
BODY_SIZE = 10.0
LEADING = 1.35

# Helvetica advance widths (per 1000 units) for ASCII 32..126, from the standard AFM file.
_WIDTHS = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
]  # fmt: skip
_REPLACEMENTS = {"\u2212": "-", "\u2009": " ", "\u00a0": " ", "\u2192": "->", "\u2713": "v"}


def _char_width(char: str) -> int:
    code = ord(char)
    if 32 <= code <= 126:
        return _WIDTHS[code - 32]
    return 556


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` in points (bold counted 10% wider, to be safe)."""
    width = sum(_char_width(c) for c in text) * size / 1000
    return width * 1.1 if bold else width


def _encode(text: str) -> bytes:
    for old, new in _REPLACEMENTS.items():
        text = text.replace(old, new)
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


class PdfDocument:
    """Build a PDF line by line: ``heading``, ``paragraph``, ``bullet``, then ``output``."""

    def __init__(self, title: str, footer: str = "") -> None:
        self.title = title
        self.footer = footer
        self.pages: list[list[bytes]] = []
        self.y = 0.0
        self._new_page()

    def _new_page(self) -> None:
        self.pages.append([])
        self.y = PAGE_HEIGHT - MARGIN

    def _ensure(self, height: float) -> None:
        if self.y - height < MARGIN + 20:
            self._new_page()

    def _line(self, text: str, size: float, bold: bool, indent: float) -> None:
        height = size * LEADING
        self._ensure(height)
        self.y -= height
        font = b"/F2" if bold else b"/F1"
        self.pages[-1].append(
            b"BT %s %.1f Tf %.2f %.2f Td (%s) Tj ET"
            % (font, size, MARGIN + indent, self.y, _encode(text))
        )

    def _wrap(self, text: str, size: float, bold: bool, width: float) -> list[str]:
        lines: list[str] = []
        for paragraph in (text or "").splitlines() or [""]:
            words, current = paragraph.split(), ""
            for word in words:
                candidate = f"{current} {word}".strip()
                if text_width(candidate, size, bold) <= width or not current:
                    current = candidate
                else:
                    lines.append(current)
                    current = word
                while text_width(current, size, bold) > width and len(current) > 1:
                    cut = len(current) - 1
                    while cut > 1 and text_width(current[:cut], size, bold) > width:
                        cut -= 1
                    lines.append(current[:cut])
                    current = current[cut:]
            lines.append(current)
        return lines

    def heading(self, text: str, level: int = 1) -> None:
        size = {1: 18.0, 2: 14.0, 3: 11.5}.get(level, 11.0)
        self.space(size * 0.6 if level > 1 else 0)
        for line in self._wrap(text, size, True, PAGE_WIDTH - 2 * MARGIN):
            self._line(line, size, True, 0)
        self.space(2)

    def paragraph(self, text: str, *, bold: bool = False, indent: float = 0.0) -> None:
        width = PAGE_WIDTH - 2 * MARGIN - indent
        for line in self._wrap(text, BODY_SIZE, bold, width):
            self._line(line, BODY_SIZE, bold, indent)
        self.space(3)

    def bullet(self, text: str, indent: float = 0.0) -> None:
        width = PAGE_WIDTH - 2 * MARGIN - indent - 12
        for number, line in enumerate(self._wrap(text, BODY_SIZE, False, width)):
            self._line(("- " if number == 0 else "  ") + line, BODY_SIZE, False, indent)
        self.space(1)

    def space(self, points: float) -> None:
        self.y -= points

    def output(self) -> bytes:
        """The finished PDF file."""
        objects: list[bytes] = []

        def add(body: bytes) -> int:
            objects.append(body)
            return len(objects)

        catalog = add(b"")  # filled in below
        pages_id = add(b"")
        regular = add(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
        )
        bold = add(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
            b"/Encoding /WinAnsiEncoding >>"
        )
        kids = []
        total = len(self.pages)
        for number, lines in enumerate(self.pages, start=1):
            footer = f"{self.footer} – pagina {number} van {total}".strip(" –")
            content = b"\n".join(
                [
                    *lines,
                    b"BT /F1 8 Tf %.2f %.2f Td (%s) Tj ET" % (MARGIN, MARGIN / 2, _encode(footer)),
                ]
            )
            packed = zlib.compress(content)
            stream = add(
                b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream"
                % (len(packed), packed)
            )
            kids.append(
                add(
                    b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] "
                    b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> /Contents %d 0 R >>"
                    % (pages_id, PAGE_WIDTH, PAGE_HEIGHT, regular, bold, stream)
                )
            )
        objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
        objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
            b" ".join(b"%d 0 R" % kid for kid in kids),
            len(kids),
        )
        created = datetime.now(UTC).strftime("D:%Y%m%d%H%M%SZ").encode()
        info = add(
            b"<< /Title (%s) /Producer (Signalen) /CreationDate (%s) >>"
            % (_encode(self.title), created)
        )
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        for offset in offsets:
            out += b"%010d 00000 n \n" % offset
        out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
            len(objects) + 1,
            catalog,
            info,
            xref,
        )
        return bytes(out)
