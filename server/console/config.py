"""The hall's configuration (大厅配置), versioned: every change is a new version (who, when, a diff against the one
before); any version can be viewed, restored (as a new version) and exported as the hall's TOML file; a TOML file
can be imported. Editors: an item's complete guide (its materials in a form, the whole guide as TOML), and one
TOML section per area (services, the hall and its opening hours, holidays and make-up workdays, announcements,
rating reasons, scoring deductions, deadline rules, …). Everything is validated by hallfile.load_hall first (the
same sentences by key as `hallq check-config`) and applied live (HallService.reconfigure → `hall.configured`).
application/config_versions.py says where the configuration lives."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, render_template, request, url_for
from werkzeug.exceptions import NotFound

from application.config_versions import ConfigVersions, dump, masked, parse
from core.tickets import DomainError
from hallfile.problems import ConfigError, problem
from server.console.base import Who, console_blueprint, done, hall, page
from server.store_config import ConfigVersionStore

bp = console_blueprint("config")

IMPORT_MAX_BYTES = 2 * 1024 * 1024  # a hall's whole TOML file (the demo hall's is about 100 kB)

# The areas edited as a TOML section: key → (Chinese, English, what it holds)
AREAS: dict[str, tuple[str, str, str]] = {
    "hall": (
        "大厅与办公时间",
        "Hall and opening hours",
        "名称、通知、办公时间 hours … / name, notice, opening hours …",
    ),
    "services": ("业务", "Services", "业务代码、名称、字头 / codes, names, ticket prefixes"),
    "calendar": ("节假日与调休", "Holidays and make-up workdays", "本大厅的节假日、调休上班日 / the hall's own days"),
    "announce": ("叫号播报模板", "Announcement templates", "语音与屏幕的文字 / what the voice and screens say"),
    "ratings": ("评价原因", "Rating reasons", "差评、好评的原因 / reasons offered with a rating"),
    "scoring": ("考核扣分", "Scoring deductions", "扣分项与分值 / deductions and their points"),
    "deadlines": ("办结时限规则", "Deadline rules", "承诺件时限 / promised cases' limits"),
    "kiosk": ("取号机", "Kiosk", "取号机的设置 / the kiosk's settings"),
    "bookings": ("预约", "Bookings", "预约的设置 / booking settings"),
}


def versions() -> ConfigVersions:
    found = current_app.extensions.get("hallq.config_versions")
    if found is None:
        found = ConfigVersions(hall(), ConfigVersionStore(hall().store))
        current_app.extensions["hallq.config_versions"] = found
    return found


@bp.url_value_preprocessor
def allow_whole_file(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """An imported hall file is larger than the server's usual request limit (this runs before the CSRF check
    reads the form)."""
    if endpoint == "console_config.import_file":
        request.max_content_length = IMPORT_MAX_BYTES
        request.max_form_memory_size = IMPORT_MAX_BYTES


def _note() -> str:
    return request.form.get("note", "").strip()


def _saved(number: int, what_zh: str, what_en: str, default: str) -> Response:
    return done(
        f"已保存为版本 {number} 并立即生效（{what_zh}）。 / Saved as version {number}, in effect now ({what_en}).",
        default=default,
    )


# ---- versions -----------------------------------------------------------------------------------------


@page(bp, "/config", "page.config")
def overview(who: Who) -> str:
    v = versions()
    data = v.data()
    return render_template(
        "console/config/overview.html",
        who=who,
        versions=v.versions(),
        latest=v.latest(),
        areas=AREAS,
        items=data.get("items", []),
        services={s.get("code"): s.get("name") for s in data.get("services", [])},
    )


def _version(number: int) -> dict[str, Any]:
    row = versions().version(number)
    if row is None:
        raise NotFound
    return row


@page(bp, "/config/versions/<int:number>", "page.config")
def version(who: Who, number: int) -> str:
    row = _version(number)
    latest = versions().latest()
    return render_template(
        "console/config/version.html",
        who=who,
        row=row,
        text=masked(row["toml"]),
        diff=versions().diff_of(number),
        latest=latest["version"] if latest else None,
    )


@page(bp, "/config/versions/<int:number>/export", "act.edit_config")
def export(who: Who, number: int) -> Response:
    """The version as the hall's TOML file (managers and admins only; it holds no staff PIN: versions never do)."""
    row = _version(number)
    with hall().writing():
        hall().audit("config.exported", f"v{number}")  # the hall's whole configuration left the server
    return Response(
        row["toml"],
        mimetype="application/toml",
        headers={"Content-Disposition": f'attachment; filename="hall-v{number}.toml"'},
    )


@page(bp, "/config/versions/<int:number>/restore", "act.edit_config", methods=("POST",))
def restore(who: Who, number: int) -> Response | tuple[str, int]:
    _version(number)
    try:
        saved = versions().restore(number)
    except ConfigError as exc:
        return _problems(who, exc, f"版本 {number} / version {number}", "", url_for("console_config.overview"))
    return _saved(saved, f"恢复版本 {number}", f"version {number} restored", "console_config.overview")


@page(bp, "/config/import", "act.edit_config", methods=("POST",))
def import_file(who: Who) -> Response | tuple[str, int]:
    upload = request.files.get("file")
    text = upload.read().decode("utf-8-sig", errors="replace") if upload and upload.filename else ""
    text = text or request.form.get("toml", "")
    if not text.strip():
        raise DomainError("no_file", "请选择要导入的 TOML 文件。 / Choose a TOML file to import.", 400)
    try:
        saved = versions().import_text(text, _note())
    except ConfigError as exc:
        return _problems(who, exc, "导入 / import", text, url_for("console_config.overview"))
    return _saved(saved, "导入文件", "file imported", "console_config.overview")


def _problems(who: Who, exc: ConfigError, what: str, text: str, action: str) -> tuple[str, int]:
    return render_template(
        "console/config/problems.html", who=who, problems=exc.problems, what=what, text=text, action=action
    ), 400


# ---- areas as TOML sections ---------------------------------------------------------------------------


def _area(key: str) -> tuple[str, str, str]:
    if key not in AREAS:
        raise NotFound
    return AREAS[key]


def _area_page(who: Who, key: str, text: str, problems: list[str], status: int = 200) -> tuple[str, int]:
    zh, en, hint = _area(key)
    return render_template(
        "console/config/area.html", who=who, key=key, zh=zh, en=en, hint=hint, text=text, problems=problems
    ), status


@page(bp, "/config/areas/<key>", "page.config")
def area(who: Who, key: str) -> tuple[str, int]:
    _area(key)
    data = versions().editable_data()
    return _area_page(who, key, masked(dump({key: data[key]})) if key in data else "", [])


@page(bp, "/config/areas/<key>", "act.edit_config", methods=("POST",))
def save_area(who: Who, key: str) -> Response | tuple[str, int]:
    zh, en, _hint = _area(key)
    text = request.form.get("toml", "")
    try:
        parsed = parse(text)
        extra = sorted(set(parsed) - {key})
        if extra:
            raise ConfigError(
                [problem(k, f"这里只能修改 {key} 部分", f"only the {key} section is edited here") for k in extra]
            )
        data = versions().editable_data()
        if key in parsed:
            data[key] = parsed[key]
        else:
            data.pop(key, None)
        saved = versions().change(data, _note() or f"{zh} / {en}")
    except ConfigError as exc:
        return _area_page(who, key, text, exc.problems, 400)
    return _saved(saved, zh, en, "console_config.overview")


# ---- an item's complete guide -------------------------------------------------------------------------


def _item_index(data: dict[str, Any], code: str) -> int:
    for i, item in enumerate(data.get("items", [])):
        if item.get("code") == code:
            return i
    raise NotFound


def _materials(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [m if isinstance(m, dict) else {"name": str(m)} for m in item.get("materials", [])]


def _item_page(
    who: Who, code: str, item: dict[str, Any], text: str, problems: list[str], status: int = 200
) -> tuple[str, int]:
    return render_template(
        "console/config/item.html",
        who=who,
        code=code,
        item=item,
        materials=_materials(item),
        text=text,
        problems=problems,
    ), status


@page(bp, "/config/items/<code>", "page.config")
def item(who: Who, code: str) -> tuple[str, int]:
    data = versions().editable_data()
    found = data["items"][_item_index(data, code)]
    return _item_page(who, code, found, dump({"items": [found]}), [])


@page(bp, "/config/items/<code>/materials", "act.edit_config", methods=("POST",))
def save_materials(who: Who, code: str) -> Response | tuple[str, int]:
    """The materials form: each row's name, copies, note (and English name); an empty name drops the row."""
    data = versions().editable_data()
    index = _item_index(data, code)
    current = _materials(data["items"][index])
    form = request.form
    rows: list[dict[str, Any]] = []
    count = int(form.get("rows", "0") or 0)
    for i in range(min(count, 200)):
        name = form.get(f"name_{i}", "").strip()
        if not name or form.get(f"drop_{i}"):
            continue
        row = dict(current[i]) if i < len(current) else {}
        row.update(
            {"name": name, "copies": form.get(f"copies_{i}", "").strip(), "note": form.get(f"note_{i}", "").strip()}
        )
        if form.get(f"name_en_{i}", "").strip() or "name_en" in row:
            row["name_en"] = form.get(f"name_en_{i}", "").strip()
        rows.append({k: v for k, v in row.items() if v != "" or k == "name"})
    data["items"][index] = {**data["items"][index], "materials": rows}
    try:
        saved = versions().change(data, _note() or f"{code} 材料 / {code} materials")
    except ConfigError as exc:
        found = data["items"][index]
        return _item_page(who, code, found, dump({"items": [found]}), exc.problems, 400)
    return _saved(saved, f"{code} 所需材料", f"{code}'s materials", "console_config.overview")


@page(bp, "/config/items/<code>", "act.edit_config", methods=("POST",))
def save_item(who: Who, code: str) -> Response | tuple[str, int]:
    """The item's whole guide as one [[items]] table (procedure, conditions, limits, fees, legal basis, …)."""
    data = versions().editable_data()
    index = _item_index(data, code)
    text = request.form.get("toml", "")
    try:
        parsed = parse(text)
        items = parsed.get("items")
        if set(parsed) != {"items"} or not isinstance(items, list) or len(items) != 1:
            raise ConfigError(
                [problem("items", "这里只能修改这一个事项（一个 [[items]]）", "edit this one [[items]] table only")]
            )
        data["items"][index] = items[0]
        saved = versions().change(data, _note() or f"{code} 办事指南 / {code} guide")
    except ConfigError as exc:
        return _item_page(who, code, data["items"][index], text, exc.problems, 400)
    return _saved(saved, f"{code} 办事指南", f"{code}'s guide", "console_config.overview")
