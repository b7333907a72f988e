"""An item's sample forms as files (填写样表, issue 11), on the item's page of the hall configuration: the manager
uploads a PDF or an image (checked by its content, size-limited, stored by its SHA-256: server/samples.py) and
the item's `sample_files` names it — a new configuration version with its diff, applied live, so the kiosk shows
it at once; removing one is a new version too (the file stays: older versions may be restored)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, redirect, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from core import samples as rules
from core.tickets import DomainError
from hallfile.problems import ConfigError
from server.console.base import Who, console_blueprint, done, page
from server.console.config import _item_index, _note, versions
from server.samples import sample_store

bp = console_blueprint("samples")

NAME_MAX = 100
FORM_MARGIN = 256 * 1024  # the form's other fields and the multipart framing, beyond the file itself


@bp.url_value_preprocessor
def allow_the_file(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """A sample's file is larger than the server's usual request limit (this runs before the CSRF check reads
    the form); a file larger still is refused with a sentence (below)."""
    if endpoint == "console_samples.upload":
        request.max_content_length = sample_store().max_bytes + FORM_MARGIN


@bp.errorhandler(RequestEntityTooLarge)
def too_big(_exc: RequestEntityTooLarge) -> Response:
    from flask import flash

    flash(rules.too_big(sample_store().max_bytes), "error")
    code = (request.view_args or {}).get("code", "")
    target = url_for("console_config.item", code=code) if code else url_for("console_config.overview")
    return redirect(target, code=303)  # type: ignore[return-value]


@bp.app_context_processor
def sample_helpers() -> dict[str, Any]:
    def sample_info(file: Any) -> dict[str, Any]:
        """A configured sample file as the item page shows it: its address, kind and page count here."""
        parts = rules.split_file(str(file or ""))
        if parts is None:
            return {"sha": "", "kind": "", "pages": 0}
        sha, kind = parts
        return {"sha": sha, "kind": kind, "pages": sample_store().page_count(sha)}

    return {"sample_info": sample_info, "sample_max_size": rules.size_text(sample_store().max_bytes)}


def _item_samples(data: dict[str, Any], index: int) -> list[dict[str, Any]]:
    found = data["items"][index].get("sample_files", [])
    return [dict(s) for s in found if isinstance(s, dict)]


def _change(data: dict[str, Any], index: int, samples: list[dict[str, Any]], note: str) -> int:
    item = dict(data["items"][index])
    if samples:
        item["sample_files"] = samples
    else:
        item.pop("sample_files", None)
    data["items"][index] = item
    try:
        return versions().change(data, note)
    except ConfigError as exc:
        raise DomainError("bad_config", " ".join(exc.problems), 400) from None


@page(bp, "/config/items/<code>/samples", "act.edit_config", methods=("POST",))
def upload(who: Who, code: str) -> Response:
    """Upload a sample form (PDF, PNG or JPEG) for the item: stored, rendered, named in a new version."""
    data = versions().editable_data()
    index = _item_index(data, code)
    upload = request.files.get("file")
    content = upload.read() if upload is not None and upload.filename else b""
    uploaded_as = Path(upload.filename or "").stem if upload is not None and upload.filename else ""
    name = (request.form.get("name", "").strip() or uploaded_as.strip())[:NAME_MAX]
    name_en = request.form.get("name_en", "").strip()[:NAME_MAX]
    stored = sample_store().save(content)  # refused with a sentence: nothing kept, nothing changed
    if not name:
        raise DomainError("no_name", "请填写样表名称。 / Give the sample form a name.", 400)
    samples = _item_samples(data, index)
    if any(s.get("file") == stored.file for s in samples):
        raise DomainError("sample_listed", "本事项已有这份样表。 / This item already has this sample form.", 409)
    entry = {"name": name, "file": stored.file} | ({"name_en": name_en} if name_en else {})
    number = _change(data, index, [*samples, entry], _note() or f"{code} 新增样表 {name} / {code}: sample form added")
    return done(
        f"已上传样表“{name}”（{stored.pages} 页），已保存为版本 {number} 并立即生效。"
        f" / Sample form uploaded ({stored.pages} page(s)); saved as version {number}, in effect now.",
        default="console_config.overview",
    )


@page(bp, "/config/items/<code>/samples/<sha>/remove", "act.edit_config", methods=("POST",))
def remove(who: Who, code: str, sha: str) -> Response:
    """The item no longer offers this sample (a new version); its file stays for the versions that name it."""
    data = versions().editable_data()
    index = _item_index(data, code)
    samples = _item_samples(data, index)
    kept = [s for s in samples if (rules.split_file(str(s.get("file", ""))) or ("",))[0] != sha]
    if not rules.is_sha(sha) or len(kept) == len(samples):
        raise DomainError("unknown_sample", rules.NO_SUCH_SAMPLE, 404)
    name = next(str(s.get("name", "")) for s in samples if s not in kept)
    number = _change(data, index, kept, _note() or f"{code} 删除样表 {name} / {code}: sample form removed")
    return done(
        f"已删除样表“{name}”，已保存为版本 {number} 并立即生效。"
        f" / Sample form removed; saved as version {number}, in effect now.",
        default="console_config.overview",
    )
