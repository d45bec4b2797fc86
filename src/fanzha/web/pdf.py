"""HTML to PDF with Chinese fonts embedded (WeasyPrint with the system's Noto CJK fonts)."""

from __future__ import annotations

# Noto Sans CJK SC comes from Debian's fonts-noto-cjk (installed by .ci/run); WeasyPrint subsets and
# embeds it, so the PDF reads the same on a machine without the font.
PDF_CSS = """
@page { size: A4; margin: 18mm 16mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; } }
body { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif;
  font-size: 10.5pt; line-height: 1.5; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 6mm; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; }
th, td { border: 0.5pt solid #888; padding: 1.2mm 2mm; text-align: left; font-size: 9.5pt; }
th { background: #eee; }
.meta { color: #444; font-size: 9pt; }
"""


def render_pdf(html: str, *, css: str = PDF_CSS) -> bytes:
    """Render an HTML document to PDF bytes (about a second a page)."""
    # Imported here: WeasyPrint loads Pango at import, which only the PDF paths need.
    from weasyprint import CSS, HTML

    return bytes(HTML(string=html).write_pdf(stylesheets=[CSS(string=css)]))


def pdf_text(data: bytes) -> str:
    """The text of a PDF, for tests and archives that read a document back."""
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
