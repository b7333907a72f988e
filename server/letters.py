"""A4 letters as PDF (WeasyPrint), in the bundled CJK font: the complaint's acknowledgement and written reply.

The font is the one the browser pages use (/static/font.ttf, pages.web_font), written once to a file of this
process so WeasyPrint embeds it (a subset) and the letter prints the same on any machine.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from pathlib import Path

from core.tickets import DomainError


@functools.cache
def font_file() -> Path:
    from server.pages import web_font

    data = web_font()
    path = Path(tempfile.gettempdir()) / f"hallq-font-{hashlib.sha256(data).hexdigest()[:12]}.ttf"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def font_face() -> str:
    """The @font-face rule letters use (family "HallQ CJK")."""
    return f'@font-face {{ font-family: "HallQ CJK"; src: url("{font_file().as_uri()}"); }}'


def render_pdf(html: str) -> bytes:
    """The letter's HTML (its own A4 @page rules) as PDF bytes."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: the system's Pango libraries are missing
        raise DomainError(
            "pdf_unavailable",
            "本服务器未安装 PDF 组件（WeasyPrint），请用浏览器打印本页。"
            " / This server cannot make PDFs (WeasyPrint missing); print the page from the browser.",
            501,
        ) from exc
    html = html.replace("/*@font-face*/", font_face())
    pdf: bytes = HTML(string=html, base_url=str(font_file().parent)).write_pdf()
    return pdf
