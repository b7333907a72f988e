"""Sample forms (填写样表) as files: what a stored file is called, which kinds are taken, and how a kind is known.

A sample is stored by its content: "<sha256 of the bytes>.<pdf|png|jpg>", so the same file uploaded twice is one
file, a name can never point outside the samples' directory, and a page image never goes stale (it may be
cached for ever). The kind is read from the file's first bytes (its magic number), never from its name.
Where the files live and how PDF pages become images is the server's business (server/samples.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from core.config import HallConfig, Item, SampleFile

# kind (the stored file's extension) → the content type it is served with
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}
_MAGIC = ((b"%PDF-", "pdf"), (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"))
_FILE = re.compile(r"([0-9a-f]{64})\.(pdf|png|jpg)")
_SHA = re.compile(r"[0-9a-f]{64}")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # an upload's limit unless the server says otherwise (SAMPLE_MAX_BYTES)

NOT_A_SAMPLE = (
    "样表只能是 PDF、PNG 或 JPEG 文件（按文件内容判断，不看文件名）。"
    " / A sample form must be a PDF, PNG or JPEG file (judged by its content, not its name)."
)
EMPTY = "请选择要上传的样表文件。 / Choose the sample form's file to upload."
NO_SUCH_SAMPLE = "没有这份样表。 / There is no such sample form."
NO_SUCH_PAGE = "样表没有这一页。 / The sample form has no such page."


def size_text(limit: int) -> str:
    """10485760 → "10 MB", 4096 → "4 KB"."""
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.3g} MB"
    return f"{-(-limit // 1024)} KB"


def too_big(limit: int) -> str:
    shown = size_text(limit)
    return f"样表文件不能超过 {shown}。 / A sample form's file may be at most {shown}."


def kind_of(data: bytes) -> str | None:
    """ "pdf", "png" or "jpg" by the file's first bytes; None for anything else."""
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)


def file_name(sha: str, kind: str) -> str:
    return f"{sha}.{kind}"


def split_file(name: str) -> tuple[str, str] | None:
    """("<sha>", "pdf") of a stored file's name; None when the name is not one (no path can pass)."""
    found = _FILE.fullmatch(name)
    return (found[1], found[2]) if found else None


def is_sha(text: str) -> bool:
    return _SHA.fullmatch(text) is not None


def sha_of(sample: SampleFile) -> str:
    parts = split_file(sample.file)
    return parts[0] if parts else ""


def offered(config: HallConfig) -> Iterator[tuple[Item, SampleFile]]:
    """Every sample file the hall's items name now (a removed one is no longer offered, nor served)."""
    for item in config.items:
        for sample in item.sample_files:
            yield item, sample


def find_offered(config: HallConfig, sha: str) -> SampleFile | None:
    """The sample with this content the hall offers now; None for an unknown or removed one."""
    return next((s for _item, s in offered(config) if is_sha(sha) and sha_of(s) == sha), None)


def pages_answer(sample: SampleFile, pages: int) -> dict[str, object]:
    """GET /samples/<sha>/pages: the sample's name and how many page images it has (the server and the fake)."""
    parts = split_file(sample.file)
    sha, kind = parts if parts else ("", "")
    return {
        "sha": sha,
        "file": sample.file,
        "kind": kind,
        "name": sample.name,
        "name_en": sample.name_en,
        "pages": pages,
    }
