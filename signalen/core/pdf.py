"""PDF downloads (agenda, minutes, digest) built with fpdf2: A4, Helvetica, page numbers.

The standard PDF fonts cover Windows-1252 (all Dutch text, €, curly quotes, dashes). Other
characters are written without their accent where they have one (ş → s), else as "?": the
PDF is a convenience copy; the HTML page and its print version show every character.
"""

from __future__ import annotations

import unicodedata

from fpdf import FPDF
from fpdf.enums import XPos, YPos

ENCODING = "windows-1252"
BODY_SIZE = 10.0
LINE_HEIGHT = 5.0
HEADING_SIZES = {1: 18.0, 2: 14.0, 3: 11.5}
BULLET_INDENT = 5.0


def pdf_safe(text: str) -> str:
    """``text`` with every character the standard fonts cannot show replaced."""
    out = []
    for char in text or "":
        try:
            char.encode(ENCODING)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char)
            base = "".join(c for c in base if not unicodedata.combining(c))
            try:
                base.encode(ENCODING)
            except UnicodeEncodeError:
                base = ""
            char = base or "?"
        out.append(char)
    return "".join(out)


class _Pages(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", "", 8)
        label = f"{self.footer_text} – " if self.footer_text else ""
        self.cell(0, 5, pdf_safe(f"{label}pagina {self.page_no()} van {{nb}}"))


class PdfDocument:
    """Build a PDF top to bottom: ``heading``, ``paragraph``, ``bullet``, then ``output``."""

    def __init__(self, title: str, footer: str = "", language: str = "nl") -> None:
        self.pdf = _Pages(format="A4")
        self.pdf.core_fonts_encoding = ENCODING
        self.pdf.footer_text = pdf_safe(footer)
        self.pdf.set_title(pdf_safe(title))
        self.pdf.set_lang(language)
        self.pdf.set_creator("Signalen")
        self.pdf.set_margins(20, 20, 20)
        self.pdf.set_auto_page_break(True, margin=18)
        self.pdf.add_page()

    def _write(self, text: str, size: float, style: str = "", indent: float = 0.0) -> None:
        pdf = self.pdf
        pdf.set_font("helvetica", style, size)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(0, size * 0.5, pdf_safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str, level: int = 1) -> None:
        size = HEADING_SIZES.get(level, 11.0)
        if level > 1:
            self.pdf.ln(size * 0.3)
        self._write(text, size, "B")
        self.pdf.ln(1)

    def paragraph(self, text: str, *, bold: bool = False, indent: float = 0.0) -> None:
        self._write(text, BODY_SIZE, "B" if bold else "", indent)
        self.pdf.ln(1.5)

    def bullet(self, text: str, indent: float = 0.0) -> None:
        pdf = self.pdf
        pdf.set_font("helvetica", "", BODY_SIZE)
        pdf.set_x(pdf.l_margin + indent)
        pdf.cell(BULLET_INDENT, LINE_HEIGHT, "-")
        pdf.multi_cell(0, LINE_HEIGHT, pdf_safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(0.5)

    def table(
        self, header: list[str], rows: list[list[str]], widths: tuple[float, ...] | None = None
    ) -> None:
        """A table with a bold header row; columns after the first that hold numbers are
        aligned right. ``widths`` are relative column widths."""
        pdf = self.pdf
        pdf.set_font("helvetica", "", BODY_SIZE - 1)
        numeric = [
            index > 0 and all(row[index].lstrip("+-").isdigit() for row in rows if row[index])
            for index in range(len(header))
        ]
        align = tuple("RIGHT" if flag else "LEFT" for flag in numeric)
        with pdf.table(
            col_widths=widths, text_align=align, line_height=LINE_HEIGHT, first_row_as_headings=True
        ) as table:
            for values in [header, *rows]:
                row = table.row()
                for value in values:
                    row.cell(pdf_safe(value))
        pdf.ln(2)

    def output(self) -> bytes:
        """The finished PDF file."""
        return bytes(self.pdf.output())
