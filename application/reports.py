"""Reports (issue 15): one query per report (server/store_reports.py), turned into the table, the ECharts option
(built here, as JSON, next to the report that feeds it), the Excel workbook and the CSV — all from the same rows.

Definitions are core.kpis's; rating rate and satisfaction are core.feedback's (the ledgers' own functions).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from core import kpis
from core.config import HallConfig
from core.feedback import rating_rate, satisfaction

CUT_NAMES: dict[str, tuple[str, str]] = {
    "hour": ("时段", "Hour of day"),
    "weekday": ("星期", "Weekday"),
    "day": ("日期", "Day"),
    "month": ("月份", "Month"),
    "service": ("业务", "Service"),
    "item": ("事项", "Item"),
    "window": ("窗口", "Window"),
    "clerk": ("工作人员", "Clerk"),
}
WEEKDAYS = ("", "周一", "周二", "周三", "周四", "周五", "周六", "周日")

# (key, Chinese, English, kind) of the table's columns; kind: int, s (seconds), pct, num
COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("issued", "取号", "Issued", "int"),
    ("served", "办结", "Served", "int"),
    ("no_shows", "过号", "No-shows", "int"),
    ("cancelled", "取消", "Cancelled", "int"),
    ("transferred", "转办", "Transferred", "int"),
    ("wait_p50", "等候中位", "Wait p50", "s"),
    ("wait_p90", "等候P90", "Wait p90", "s"),
    ("wait_max", "最长等候", "Wait max", "s"),
    ("wait_mean", "平均等候", "Wait mean", "s"),
    ("within", "服务水平内", "Within level", "pct"),
    ("handle_p50", "办理中位", "Handling p50", "s"),
    ("handle_p90", "办理P90", "Handling p90", "s"),
    ("handle_max", "最长办理", "Handling max", "s"),
    ("handle_mean", "平均办理", "Handling mean", "s"),
    ("walk_mean", "平均到窗", "Walk mean", "s"),
    ("no_show_rate", "过号率", "No-show rate", "pct"),
    ("recalls", "重呼", "Recalls", "int"),
    ("rating_rate", "评价率", "Rating rate", "pct"),
    ("satisfaction", "满意度", "Satisfaction", "pct"),
    ("bad", "差评", "Bad ratings", "int"),
)
WINDOW_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("signed_in_h", "签到时长(时)", "Signed-in hours", "num"),
    ("per_hour", "每小时办结", "Served per hour open", "num"),
    ("utilisation", "利用率", "Utilisation", "pct"),
    ("transfers_out", "转出", "Transfers out", "int"),
    ("transfers_in", "转入", "Transfers in", "int"),
)


class ReportReads(Protocol):
    def ensure(self, first: dt.date, last: dt.date, today: dt.date) -> int: ...
    def summary(
        self,
        first: dt.date,
        last: dt.date,
        cut: str,
        level_s: int,
        *,
        service: str | None = ...,
        window: int | None = ...,
    ) -> list[dict[str, Any]]: ...
    def histogram(
        self,
        first: dt.date,
        last: dt.date,
        cut: str,
        measure: str,
        *,
        service: str | None = ...,
        window: int | None = ...,
    ) -> dict[Any, list[tuple[int, int]]]: ...
    def heatmap(
        self, first: dt.date, last: dt.date, level_s: int, *, service: str | None = ...
    ) -> list[dict[str, Any]]: ...
    def transfers_out(self, first: dt.date, last: dt.date, cut: str) -> dict[Any, int]: ...
    def transfers_in(self, first: dt.date, last: dt.date, cut: str) -> dict[Any, int]: ...
    def sign_ins(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]: ...


def hist_percentile(buckets: Sequence[tuple[int, int]], q: float, bucket_s: int, top: float | None) -> float | None:
    """Nearest-rank percentile from (bucket, count) ascending: the bucket's upper edge, never above the maximum."""
    total = sum(n for _, n in buckets)
    if not total:
        return None
    rank, seen = max(1, -(-int(q * total * 1000) // 1000)), 0
    for b, n in buckets:
        seen += n
        if seen >= rank:
            edge = float((b + 1) * bucket_s - 1)
            return min(edge, top) if top is not None else edge
    return top


@dataclass
class Report:
    first: dt.date
    last: dt.date
    cut: str
    service: str | None
    level_minutes: int
    rows: list[dict[str, Any]]
    total: dict[str, Any]
    heat: list[dict[str, Any]]
    columns: tuple[tuple[str, str, str, str], ...] = field(default=COLUMNS)

    @property
    def title(self) -> str:
        zh, en = CUT_NAMES[self.cut]
        return f"按{zh} / by {en.lower()} · {self.first.isoformat()} – {self.last.isoformat()}"


def label(config: HallConfig, cut: str, key: Any) -> str:
    if key is None:
        return "—"
    if cut == "hour":
        return f"{int(key):02d}:00"
    if cut == "weekday":
        return WEEKDAYS[int(key)]
    if cut == "service":
        s = config.service(key)
        return s.name if s else str(key)
    if cut == "item":
        i = config.item(key)
        return i.name if i else str(key)
    if cut == "window":
        return f"{key}号窗口"
    if cut == "clerk":
        m = config.staff_member(key)
        return f"{m.name}（{key}）" if m else str(key)
    return str(key)


def _figures(
    r: dict[str, Any], wait_h: Sequence[tuple[int, int]], handle_h: Sequence[tuple[int, int]], bucket_s: int
) -> dict[str, Any]:
    counts = {5: r["s5"] or 0, 4: r["s4"] or 0, 3: r["s3"] or 0, 2: r["s2"] or 0, 1: r["s1"] or 0}
    return {
        "issued": r["issued"],
        "served": r["served"] or 0,
        "no_shows": r["no_shows"] or 0,
        "cancelled": r["cancelled"] or 0,
        "transferred": r["transferred"] or 0,
        "recalls": r["recalls"] or 0,
        "wait_p50": hist_percentile(wait_h, 0.5, bucket_s, r["wait_max"]),
        "wait_p90": hist_percentile(wait_h, 0.9, bucket_s, r["wait_max"]),
        "wait_max": r["wait_max"],
        "wait_mean": round(r["wait_mean"], 1) if r["wait_mean"] is not None else None,
        "within": kpis.share(r["within"] or 0, r["called"]),
        "handle_p50": hist_percentile(handle_h, 0.5, bucket_s, r["handle_max"]),
        "handle_p90": hist_percentile(handle_h, 0.9, bucket_s, r["handle_max"]),
        "handle_max": r["handle_max"],
        "handle_mean": round(r["handle_mean"], 1) if r["handle_mean"] is not None else None,
        "walk_mean": round(r["walk_mean"], 1) if r["walk_mean"] is not None else None,
        "no_show_rate": kpis.share(r["no_shows"] or 0, r["called"]),
        "rating_rate": rating_rate(r["rated"] or 0, r["served"] or 0),
        "satisfaction": satisfaction(counts),
        "bad": counts[1] + counts[2],
        "busy": r["busy"] or 0,
        "called": r["called"],
    }


def _merge(buckets: Iterable[Sequence[tuple[int, int]]]) -> list[tuple[int, int]]:
    out: dict[int, int] = {}
    for bs in buckets:
        for b, n in bs:
            out[b] = out.get(b, 0) + n
    return sorted(out.items())


def signed_in_s(sign_ins: Iterable[dict[str, Any]], by: str) -> dict[Any, float]:
    """Seconds signed in per window or clerk: each sign-in until that person's next sign-out (or next sign-in)."""
    open_at: dict[str, tuple[int | None, dt.datetime]] = {}
    spans: dict[Any, list[tuple[float, float]]] = {}
    for r in sign_ins:
        at = dt.datetime.fromisoformat(r["at"])
        held = open_at.pop(r["staff"], None)
        if held is not None:
            key = held[0] if by == "window" else r["staff"]
            spans.setdefault(key, []).append((held[1].timestamp(), at.timestamp()))
        if r["kind"] == "sign_in":
            open_at[r["staff"]] = (r["window"], at)
    return {k: kpis.open_s(v) for k, v in spans.items()}


def build(
    reads: ReportReads,
    config: HallConfig,
    first: dt.date,
    last: dt.date,
    cut: str,
    today: dt.date,
    *,
    service: str | None = None,
    bucket_s: int = 10,
) -> Report:
    if cut not in CUT_NAMES:
        raise ValueError(cut)
    level_minutes = config.reports.service_level_minutes
    level_s = level_minutes * 60
    reads.ensure(first, last, today)
    raw = reads.summary(first, last, cut, level_s, service=service)
    wait_h = reads.histogram(first, last, cut, "wait", service=service)
    handle_h = reads.histogram(first, last, cut, "handle", service=service)
    rows = []
    for r in raw:
        f = _figures(r, wait_h.get(r["k"], ()), handle_h.get(r["k"], ()), bucket_s)
        rows.append({"key": r["k"], "label": label(config, cut, r["k"]), **f})
    columns = COLUMNS
    if cut in ("window", "clerk"):
        columns = COLUMNS + WINDOW_COLUMNS
        signed = signed_in_s(reads.sign_ins(first, last), cut)
        outs, ins = reads.transfers_out(first, last, cut), reads.transfers_in(first, last, cut)
        for row in rows:
            s = signed.get(row["key"], 0.0)
            row["signed_in_h"] = round(s / 3600, 1)
            rate = kpis.served_per_hour(row["served"], s)
            row["per_hour"] = round(rate, 1) if rate is not None else None
            row["utilisation"] = kpis.utilisation(row["busy"], s)
            row["transfers_out"] = outs.get(row["key"], 0)
            row["transfers_in"] = ins.get(row["key"], 0)
    # the whole period: the same sums over every row, percentiles from the merged histograms
    total_raw: dict[str, Any] = {"k": None}
    for key in (
        "issued",
        "served",
        "no_shows",
        "cancelled",
        "transferred",
        "unfinished",
        "recalls",
        "called",
        "within",
        "handled",
        "walked",
        "busy",
        "rated",
        "s5",
        "s4",
        "s3",
        "s2",
        "s1",
    ):
        total_raw[key] = sum(r[key] or 0 for r in raw)
    for m, n in (("wait", "called"), ("handle", "handled"), ("walk", "walked")):
        total_raw[f"{m}_max"] = max((r[f"{m}_max"] for r in raw if r[f"{m}_max"] is not None), default=None)
        weight = sum(r[n] or 0 for r in raw)
        total_raw[f"{m}_mean"] = sum((r[f"{m}_mean"] or 0) * (r[n] or 0) for r in raw) / weight if weight else None
    total = {
        "key": None,
        "label": "合计 Total",
        **_figures(total_raw, _merge(wait_h.values()), _merge(handle_h.values()), bucket_s),
    }
    heat = reads.heatmap(first, last, level_s, service=service)
    return Report(first, last, cut, service, level_minutes, rows, total, heat, columns)


# ---- the chart options (ECharts), built here -----------------------------------------------------------------


FONT = {"fontFamily": '"HallQ CJK", "Noto Sans CJK SC", sans-serif'}  # the console's bundled CJK font


def chart_option(report: Report) -> dict[str, Any]:
    labels = [r["label"] for r in report.rows]
    return {
        "textStyle": FONT,
        "title": {"text": f"等候与办理 / Waits and volumes · {report.title}", "textStyle": {"fontSize": 13, **FONT}},
        "tooltip": {"trigger": "axis"},
        "legend": {
            "bottom": 0,
            "data": ["取号 Issued", "办结 Served", "等候P90(分) Wait p90", "等候中位(分) Wait p50"],
        },
        "grid": {"left": 50, "right": 50, "top": 48, "bottom": 80},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"rotate": 30 if len(labels) > 8 else 0}},
        "yAxis": [{"type": "value", "name": "人次"}, {"type": "value", "name": "分钟 min"}],
        "series": [
            {"name": "取号 Issued", "type": "bar", "data": [r["issued"] for r in report.rows]},
            {"name": "办结 Served", "type": "bar", "data": [r["served"] for r in report.rows]},
            {
                "name": "等候P90(分) Wait p90",
                "type": "line",
                "yAxisIndex": 1,
                "data": [_minutes(r["wait_p90"]) for r in report.rows],
            },
            {
                "name": "等候中位(分) Wait p50",
                "type": "line",
                "yAxisIndex": 1,
                "data": [_minutes(r["wait_p50"]) for r in report.rows],
            },
        ],
    }


def _minutes(v: float | None) -> float | None:
    return round(v / 60, 1) if v is not None else None


def heatmap_option(report: Report) -> dict[str, Any]:
    hours = sorted({h["hour"] for h in report.heat})
    days = sorted({h["weekday"] for h in report.heat})
    data = [
        [hours.index(h["hour"]), days.index(h["weekday"]), round((h["wait_mean"] or 0) / 60, 1)] for h in report.heat
    ]
    top = max((d[2] for d in data), default=1) or 1
    return {
        "textStyle": FONT,  # every label (the weekdays too) in the bundled CJK font
        "title": {
            "text": "平均等候（分钟）：时段 × 星期 / Mean wait (min): hour × weekday",
            "textStyle": {"fontSize": 13, **FONT},
        },
        "tooltip": {"position": "top"},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 95},
        "xAxis": {"type": "category", "data": [f"{h:02d}:00" for h in hours]},
        "yAxis": {"type": "category", "data": [WEEKDAYS[d] for d in days], "axisLabel": dict(FONT)},
        "visualMap": {"min": 0, "max": top, "calculable": True, "orient": "horizontal", "left": "center", "bottom": 0},
        "series": [{"name": "平均等候", "type": "heatmap", "data": data, "label": {"show": True}}],
    }


# ---- exports: CSV and Excel from the same rows --------------------------------------------------------------


def _header(report: Report) -> list[str]:
    zh, en = CUT_NAMES[report.cut]
    return [f"{zh} {en}"] + [f"{c[1]} {c[2]}" + (" (s)" if c[3] == "s" else "") for c in report.columns]


def to_csv(report: Report) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(_header(report))
    for r in [*report.rows, report.total]:
        w.writerow([r["label"]] + ["" if r.get(c[0]) is None else r[c[0]] for c in report.columns])
    return "\ufeff" + out.getvalue()  # BOM: Excel opens the Chinese as UTF-8


def to_xlsx(report: Report, hall_name: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "报表 Report"
    ws.append([hall_name, report.title, f"服务水平 {report.level_minutes} 分钟"])
    ws.append(_header(report))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    formats = {"int": "#,##0", "s": "[h]:mm:ss", "pct": "0.0%", "num": "0.0"}
    for r in [*report.rows, report.total]:
        key = r["key"]
        first: Any = r["label"]
        if report.cut == "day" and key:
            first = dt.date.fromisoformat(key)
        ws.append([first] + [_xl(r.get(c[0]), c[3]) for c in report.columns])
        row = ws.max_row
        if isinstance(first, dt.date):
            ws.cell(row, 1).number_format = "yyyy-mm-dd"
        for i, c in enumerate(report.columns, start=2):
            ws.cell(row, i).number_format = formats[c[3]]
    ws.column_dimensions["A"].width = 18
    # the same figures in plain seconds (for formulas), the heatmap, the definitions
    raw = wb.create_sheet("秒 Seconds")
    raw.append(_header(report))
    for r in [*report.rows, report.total]:
        raw.append([r["label"]] + [r.get(c[0]) for c in report.columns])
    heat = wb.create_sheet("热力图 Heatmap")
    heat.append(["星期 Weekday", "时段 Hour", "叫号 Called", "平均等候 Mean wait (s)", "服务水平内 Within level"])
    for h in sorted(report.heat, key=lambda h: (h["weekday"], h["hour"])):
        heat.append(
            [
                WEEKDAYS[h["weekday"]],
                h["hour"],
                h["called"],
                round(h["wait_mean"] or 0, 1),
                kpis.share(h["within"] or 0, h["called"]),
            ]
        )
        heat.cell(heat.max_row, 5).number_format = "0.0%"
    notes = wb.create_sheet("口径 Definitions")
    for line in (kpis.__doc__ or "").strip().splitlines():
        notes.append([line])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xl(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "s":
        return dt.timedelta(seconds=float(value))
    return value
