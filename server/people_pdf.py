"""A4 documents as PDF (通报, 荣誉证书, 效能告诫书): the page's own HTML printed by WeasyPrint with the hall's bundled
CJK font (a local file; the documents' CSS is inline; nothing is fetched from the network). Where WeasyPrint is not
installed the HTML page itself prints (the browser's Print → A4), and `available()` says so."""

from __future__ import annotations

import functools
import hashlib
import tempfile
from pathlib import Path


def available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):  # OSError: the package without its system libraries (pango)
        return False
    return True


@functools.cache
def font_uri() -> str:
    """The CJK font as one TrueType file on disk (written once per version), as a file:// URI."""
    from server.pages import web_font

    data = web_font()
    path = Path(tempfile.gettempdir()) / f"hallq-font-{hashlib.sha256(data).hexdigest()[:12]}.ttf"
    if not path.exists() or path.stat().st_size != len(data):
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path.as_uri()


def pdf(html: str) -> bytes:
    import weasyprint

    data: bytes = weasyprint.HTML(string=html, base_url=str(Path(__file__).parent)).write_pdf()
    return data
