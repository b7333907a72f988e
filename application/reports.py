"""Reports (issue 15): one query per report (server/store_reports.py), turned into the table, the ECharts option
(built here, as JSON, next to the report that feeds it), the Excel workbook and the CSV — all from the same rows.

Definitions are core.kpis's; rating rate, satisfaction and bad ratings are core.feedback's, the on-time rate is
core.oversight's `on_time_rate` as the register computes it (`OversightService.on_time`, read through
`QualityReads`), a complaint's overdue is core.complaints's `is_overdue` and a verified one `verified` — the
ledgers' own functions, never a second definition. Pauses are core.kpis's `pauses` over the windows' pause spans.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from core import complaints as cp
from core import kpis
from core.config import HallConfig
from core.feedback import rating_rate, satisfaction
from core.oversight import OnTime
from core.ratings import BAD_SCORES

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
    ("pauses", "暂停次数", "Pauses", "int"),
    ("pause_s", "暂停时长", "Paused", "s"),
)
# service quality: the cases held to a date in the period (the register's on-time rate) and complaints received
QUALITY_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("cases_due", "到期办件", "Cases due", "int"),
    ("on_time_rate", "按期办结率", "On-time rate", "pct"),
    ("late", "超期办结", "Completed late", "int"),
    ("overdue", "逾期未办结", "Overdue", "int"),
)
COMPLAINT_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("complaints", "投诉", "Complaints", "int"),
    ("complaints_overdue", "投诉逾期", "Complaints overdue", "int"),
)
ON_TIME_BY = {"window": "window", "clerk": "staff", "item": "item"}  # cut → OversightService.on_time's `by`
# The four reports (and everything at once): which columns each shows, and what its chart draws
VIEWS: dict[str, tuple[str, str]] = {
    "all": ("全部指标", "All figures"),
    "volumes": ("业务量", "Volumes"),
    "waits": ("等候与办理", "Waits and handling"),
    "windows": ("窗口与人员", "Windows and clerks"),
    "quality": ("服务质量", "Service quality"),
}
VIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "volumes": ("issued", "served", "no_shows", "cancelled", "transferred", "recalls", "no_show_rate"),
    "waits": (
        "called",
        "wait_p50",
        "wait_p90",
        "wait_max",
        "wait_mean",
        "within",
        "handle_p50",
        "handle_p90",
        "handle_max",
        "handle_mean",
        "walk_mean",
    ),
    "windows": (
        "served",
        "signed_in_h",
        "per_hour",
        "utilisation",
        "pauses",
        "pause_s",
        "transfers_out",
        "transfers_in",
        "recalls",
        "no_show_rate",
    ),
    "quality": (
        "served",
        "rating_rate",
        "satisfaction",
        "bad",
        "cases_due",
        "on_time_rate",
        "late",
        "overdue",
        "complaints",
        "complaints_overdue",
    ),
}
CALLED = ("called", "叫号", "Called", "int")


class ReportReads(Protocol):
    def ensure(self, first: dt.date, last: dt.date, today: dt.date, level_s: int | None = ...) -> int: ...
    def summary(
        self,
        first: dt.date,
        last: dt.date,
        cut: str,
        level_s: int,
        *,
        service: str | None = ...,
        window: int | None = ...,
        today: dt.date | None = ...,
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
        today: dt.date | None = ...,
    ) -> dict[Any, list[tuple[int, int]]]: ...
    def heatmap(
        self, first: dt.date, last: dt.date, level_s: int, *, service: str | None = ..., today: dt.date | None = ...
    ) -> list[dict[str, Any]]: ...
    def transfers_out(self, first: dt.date, last: dt.date, cut: str) -> dict[Any, int]: ...
    def transfers_in(self, first: dt.date, last: dt.date, cut: str) -> dict[Any, int]: ...
    def sign_ins(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]: ...
    def pauses(
        self, first: dt.date, last: dt.date, cut: str, today: dt.date, now: dt.datetime | None = ...
    ) -> dict[Any, kpis.Pauses]: ...


class QualityReads(Protocol):
    """The ledgers' own reads: the register's on-time rate (application.oversight.OversightService.on_time) and the
    complaint ledger's rows (server.store_feedback.FeedbackStore.complaints)."""

    def on_time(self, first: dt.date, last: dt.date, by: str = ...) -> dict[str, Any]: ...
    def complaints(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Complaints:
    received: int = 0
    answered: int = 0
    overdue: int = 0  # core.complaints.is_overdue: open past its answer date
    verified: int = 0  # core.complaints.verified: founded or partly founded


def complaint_figures(rows: Iterable[dict[str, Any]], today: dt.date) -> Complaints:
    received = answered = overdue = verified = 0
    for c in rows:
        received += 1
        answered += bool(c.get("answered_at"))
        overdue += cp.is_overdue(c.get("status") or "", c.get("due_date"), today)
        verified += cp.verified(c.get("finding"))
    return Complaints(received, answered, overdue, verified)


@dataclass
class Quality:
    on_time: OnTime
    complaints: Complaints
    pauses: dict[str, tuple[int, float]]  # by reason, the whole hall


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
    quality: Quality | None = None
    pause_rows: list[tuple[str, str, int, float]] = field(default_factory=list)  # label, reason, count, seconds
    view: str = "all"

    @property
    def title(self) -> str:
        zh, en = CUT_NAMES[self.cut]
        vzh, ven = VIEWS[self.view]
        name = "" if self.view == "all" else f"{vzh} {ven} · "
        return f"{name}按{zh} / by {en.lower()} · {self.first.isoformat()} – {self.last.isoformat()}"

    @property
    def period_title(self) -> str:
        zh, en = CUT_NAMES[self.cut]
        return f"按{zh} / by {en.lower()} · {self.first.isoformat()} – {self.last.isoformat()}"

    def narrow(self, view: str) -> Report:
        """The same report with one view's columns only (the page, the chart and both exports follow them)."""
        if view not in VIEWS:
            raise ValueError(view)
        self.view = view
        if view != "all":
            known = {c[0]: c for c in (*self.columns, CALLED)}
            self.columns = tuple(known[k] for k in VIEW_COLUMNS[view] if k in known)
        if view == "quality":  # tickets no window called have no rating, case or complaint: no row of zeros
            self.rows = [row for row in self.rows if row["key"] is not None or row.get("served")]
        return self


def label(config: HallConfig, cut: str, key: Any) -> str:
    if key is None:  # tickets no window called (cancelled, or still waiting when the day closed)
        return "未叫号 Never called" if cut in ("window", "clerk") else "—"
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
    r: dict[str, Any],
    wait_h: Sequence[tuple[int, int]],
    handle_h: Sequence[tuple[int, int]],
    bucket_s: int,
    satisfied: Iterable[int] = (5, 4, 3),
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
        "satisfaction": satisfaction(counts, satisfied),
        "bad": sum(counts[s] for s in BAD_SCORES),
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
    quality: QualityReads | None = None,
    now: dt.datetime | None = None,
) -> Report:
    if cut not in CUT_NAMES:
        raise ValueError(cut)
    level_minutes = config.reports.service_level_minutes
    level_s = level_minutes * 60
    satisfied = config.feedback.satisfied_levels
    reads.ensure(first, last, today, level_s)
    raw = reads.summary(first, last, cut, level_s, service=service, today=today)
    wait_h = reads.histogram(first, last, cut, "wait", service=service, today=today)
    handle_h = reads.histogram(first, last, cut, "handle", service=service, today=today)
    rows = []
    for r in raw:
        f = _figures(r, wait_h.get(r["k"], ()), handle_h.get(r["k"], ()), bucket_s, satisfied)
        rows.append({"key": r["k"], "label": label(config, cut, r["k"]), **f})
    columns = COLUMNS
    pause_rows: list[tuple[str, str, int, float]] = []
    if cut in ("window", "clerk"):
        columns = COLUMNS + WINDOW_COLUMNS
        signed = signed_in_s(reads.sign_ins(first, last), cut)
        paused = reads.pauses(first, last, cut, today, now)
        by_key = {row["key"]: row for row in rows}
        for k in paused:  # a window that only paused still has its row
            if k not in by_key and k is not None:
                by_key[k] = {"key": k, "label": label(config, cut, k), **_figures(_zero(k), (), (), bucket_s)}
                rows.append(by_key[k])
        rows.sort(key=lambda row: (row["key"] is None, str(row["key"]) if cut == "clerk" else row["key"] or 0))
        for row, r in zip(rows, [_raw_of(raw, row["key"]) for row in rows], strict=True):
            s = signed.get(row["key"], 0.0)
            row["signed_in_h"] = round(s / 3600, 1)
            rate = kpis.served_per_hour(row["served"], s)
            row["per_hour"] = round(rate, 1) if rate is not None else None
            row["utilisation"] = kpis.utilisation(row["busy"], s)
            row["transfers_out"] = r.get("t_out", 0)
            row["transfers_in"] = r.get("t_in", 0)
            p = paused.get(row["key"], kpis.Pauses())
            row["pauses"], row["pause_s"] = p.count, p.seconds
            pause_rows += [(row["label"], reason, n, sec) for reason, (n, sec) in sorted(p.by_reason.items())]
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
        **_figures(total_raw, _merge(wait_h.values()), _merge(handle_h.values()), bucket_s, satisfied),
    }
    if cut in ("window", "clerk"):
        for key in ("transfers_out", "transfers_in", "pauses", "pause_s"):
            total[key] = sum(row[key] for row in rows)
        signed_total = sum(signed.values())
        total["signed_in_h"] = round(signed_total / 3600, 1)
        rate = kpis.served_per_hour(total["served"], signed_total)
        total["per_hour"] = round(rate, 1) if rate is not None else None
        total["utilisation"] = kpis.utilisation(total["busy"], signed_total)
    heat = reads.heatmap(first, last, level_s, service=service, today=today)
    rep = Report(first, last, cut, service, level_minutes, rows, total, heat, columns, pause_rows=pause_rows)
    if quality is not None:
        _add_quality(rep, quality, config, today)
    return rep


def _zero(k: Any) -> dict[str, Any]:
    r: dict[str, Any] = dict.fromkeys(
        ("issued", "served", "no_shows", "cancelled", "transferred", "recalls", "within", "busy", "rated"), 0
    )
    r.update(dict.fromkeys(("s5", "s4", "s3", "s2", "s1", "wait_max", "wait_mean", "handle_max", "handle_mean")))
    r.update(k=k, called=0, walk_mean=None)
    return r


def _raw_of(raw: Sequence[dict[str, Any]], key: Any) -> dict[str, Any]:
    return next((r for r in raw if r["k"] == key), {})


def _add_quality(rep: Report, quality: QualityReads, config: HallConfig, today: dt.date) -> None:
    """On-time rate and overdue cases (the register's), complaints (the ledger's): the whole period, and per row
    for the cuts the ledgers know (window, clerk, item; complaints by window and clerk)."""
    by = ON_TIME_BY.get(rep.cut)
    answer = quality.on_time(rep.first, rep.last, by or "window")
    complaints = quality.complaints(rep.first, rep.last)
    pauses: dict[str, tuple[int, float]] = {}
    for _, reason, n, sec in rep.pause_rows:
        c0, s0 = pauses.get(reason, (0, 0.0))
        pauses[reason] = (c0 + n, s0 + sec)
    rep.quality = Quality(answer["total"], complaint_figures(complaints, today), pauses)
    if by is None:
        return
    groups: dict[Any, OnTime] = {key: figures for key, _, figures in answer["groups"]}
    rep.columns = rep.columns + QUALITY_COLUMNS
    field_of = {"window": "window", "clerk": "staff"}.get(rep.cut)
    if field_of:
        rep.columns = rep.columns + COMPLAINT_COLUMNS
    for row in [*rep.rows, rep.total]:
        ot = answer["total"] if row is rep.total else groups.get(row["key"] if row["key"] is not None else "", OnTime())
        row.update(cases_due=ot.due, on_time_rate=ot.rate, late=ot.late, overdue=ot.overdue)
        if field_of:
            mine = complaints if row is rep.total else [c for c in complaints if c.get(field_of) == row["key"]]
            figures = complaint_figures(mine, today)
            row.update(complaints=figures.received, complaints_overdue=figures.overdue)


# ---- the chart options (ECharts), built here -----------------------------------------------------------------


FONT = {"fontFamily": '"HallQ CJK", "Noto Sans CJK SC", sans-serif'}  # the console's bundled CJK font


def chart_option(report: Report) -> dict[str, Any]:
    """The view's chart: volumes as bars; waits as lines (minutes); windows' served per hour open and utilisation;
    satisfaction and the on-time rate. Everything at once: issued and served with the p50/p90 wait."""
    labels = [r["label"] for r in report.rows]

    def col(key: str, scale: float | None = None) -> list[Any]:
        if scale is None:
            return [r.get(key) for r in report.rows]
        return [None if r.get(key) is None else round(r[key] * scale, 1) for r in report.rows]

    def series(name: str, kind: str, data: list[Any], axis: int = 0) -> dict[str, Any]:
        return {"name": name, "type": kind, "yAxisIndex": axis, "data": data}

    minute = 1 / 60
    axes: list[dict[str, Any]]
    if report.view == "volumes":
        title, axes = "业务量 / Volumes", [{"type": "value", "name": "人次"}]
        lines = [
            series("取号 Issued", "bar", col("issued")),
            series("办结 Served", "bar", col("served")),
            series("过号 No-shows", "bar", col("no_shows")),
            series("转办 Transferred", "bar", col("transferred")),
        ]
    elif report.view == "waits":
        title, axes = "等候与办理(分钟) / Waits and handling (min)", [{"type": "value", "name": "分钟 min"}]
        lines = [
            series("等候中位 Wait p50", "line", col("wait_p50", minute)),
            series("等候P90 Wait p90", "line", col("wait_p90", minute)),
            series("办理中位 Handling p50", "line", col("handle_p50", minute)),
        ]
    elif report.view == "windows":
        title = "窗口与人员 / Windows and clerks"
        axes = [{"type": "value", "name": "每小时 /h"}, {"type": "value", "name": "%", "max": 100}]
        lines = [
            series("每小时办结 Served per hour", "bar", col("per_hour")),
            series("利用率 Utilisation %", "line", col("utilisation", 100), 1),
        ]
    elif report.view == "quality":
        title, axes = "服务质量 / Service quality", [{"type": "value", "name": "%", "max": 100}]
        lines = [
            series("满意度 Satisfaction %", "bar", col("satisfaction", 100)),
            series("评价率 Rating rate %", "bar", col("rating_rate", 100)),
        ]
        if any(c[0] == "on_time_rate" for c in report.columns):
            lines.append(series("按期办结率 On-time %", "line", col("on_time_rate", 100)))
    else:
        title = "等候与办理 / Waits and volumes"
        axes = [{"type": "value", "name": "人次"}, {"type": "value", "name": "分钟 min"}]
        lines = [
            series("取号 Issued", "bar", col("issued")),
            series("办结 Served", "bar", col("served")),
            series("等候P90(分) Wait p90", "line", col("wait_p90", minute), 1),
            series("等候中位(分) Wait p50", "line", col("wait_p50", minute), 1),
        ]
    return {
        "textStyle": FONT,
        "title": {"text": f"{title} · {report.period_title}", "textStyle": {"fontSize": 13, **FONT}},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0, "data": [s["name"] for s in lines], "textStyle": dict(FONT)},
        "grid": {"left": 50, "right": 50, "top": 48, "bottom": 80},
        "xAxis": {
            "type": "category",
            "data": labels,
            "axisLabel": {"rotate": 30 if len(labels) > 8 else 0, **FONT},
        },
        "yAxis": axes,
        "series": lines,
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
    if report.cut in ("window", "clerk"):
        ps = wb.create_sheet("暂停 Pauses")
        ps.append(
            [f"{CUT_NAMES[report.cut][0]} {CUT_NAMES[report.cut][1]}", "原因 Reason", "次数 Count", "时长 Paused"]
        )
        for who, reason, n, sec in report.pause_rows:
            ps.append([who, reason, n, dt.timedelta(seconds=sec)])
            ps.cell(ps.max_row, 4).number_format = "[h]:mm:ss"
    if report.quality is not None:
        q, qs = report.quality, wb.create_sheet("服务质量 Quality")
        qs.append(["指标 Measure", "数值 Value"])
        for name, value, fmt in quality_lines(report):
            qs.append([name, value])
            qs.cell(qs.max_row, 2).number_format = fmt
        for reason, (n, sec) in sorted(q.pauses.items()):
            qs.append([f"暂停：{reason} Pauses: {reason}", n, dt.timedelta(seconds=sec)])
            qs.cell(qs.max_row, 3).number_format = "[h]:mm:ss"
        qs.column_dimensions["A"].width = 36
    notes = wb.create_sheet("口径 Definitions")
    for line in (kpis.__doc__ or "").strip().splitlines():
        notes.append([line])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def quality_lines(report: Report) -> list[tuple[str, Any, str]]:
    """The period's service quality, one line each: (name, value, Excel number format)."""
    q, t = report.quality, report.total
    if q is None:
        return []
    return [
        ("评价率 Rating rate", t["rating_rate"], "0.0%"),
        ("满意度 Satisfaction", t["satisfaction"], "0.0%"),
        ("差评 Bad ratings", t["bad"], "#,##0"),
        ("到期办件 Cases due", q.on_time.due, "#,##0"),
        ("按期办结 Completed on time", q.on_time.on_time, "#,##0"),
        ("按期办结率 On-time rate", q.on_time.rate, "0.0%"),
        ("超期办结 Completed late", q.on_time.late, "#,##0"),
        ("逾期未办结 Overdue", q.on_time.overdue, "#,##0"),
        ("投诉 Complaints received", q.complaints.received, "#,##0"),
        ("已答复 Answered", q.complaints.answered, "#,##0"),
        ("投诉逾期 Complaints overdue", q.complaints.overdue, "#,##0"),
        ("投诉属实 Founded", q.complaints.verified, "#,##0"),
    ]


def _xl(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "s":
        return dt.timedelta(seconds=float(value))
    return value
