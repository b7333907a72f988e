"""Who may see which console page and do which action: one table, read by the console and by its tests.

The console's roles are the staff roles of the hall file (DOMAIN.md, "The place and its people") plus the
window head (窗口负责人): a clerk whom the hall file names as a window's ``head``. A window head sees and acts
on her own window(s) only; a clerk sees her own figures only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ADMIN, DIRECTOR, MANAGER, SUPERVISOR, WINDOW_HEAD, CLERK = (
    "admin",
    "director",
    "manager",
    "supervisor",
    "window_head",
    "clerk",
)
CONSOLE_ROLES = (ADMIN, DIRECTOR, MANAGER, SUPERVISOR, WINDOW_HEAD, CLERK)

ROLE_NAMES: dict[str, tuple[str, str]] = {
    ADMIN: ("系统管理员", "Administrator"),
    DIRECTOR: ("中心主任", "Center director"),
    MANAGER: ("大厅负责人", "Hall manager"),
    SUPERVISOR: ("督查", "Supervisor"),
    WINDOW_HEAD: ("窗口负责人", "Window head"),
    CLERK: ("窗口工作人员", "Clerk"),
}

OWN_WINDOW_ONLY = frozenset({WINDOW_HEAD})  # pages and actions limited to the window(s) she heads
OWN_FIGURES_ONLY = frozenset({CLERK})  # her own sign-in, cases and figures

# Who may stand in at any window (sign in there without being its A or B post), on record.
COVER_ANY_WINDOW = frozenset({MANAGER, ADMIN})


@dataclass(frozen=True)
class Permission:
    code: str  # "page.live", "act.pause_window", …
    zh: str
    en: str
    roles: frozenset[str]


def _p(code: str, zh: str, en: str, *roles: str) -> Permission:
    return Permission(code, zh, en, frozenset(roles))


EVERYONE = CONSOLE_ROLES
PERMISSION_LIST = (
    # pages
    _p("page.live", "实时大厅", "Live hall", ADMIN, DIRECTOR, MANAGER, SUPERVISOR, WINDOW_HEAD),
    _p("page.bookings", "预约", "Bookings", ADMIN, DIRECTOR, MANAGER),
    _p("page.me", "我的数据", "My figures", *EVERYONE),
    # floor actions (each a command of the application layer)
    _p("act.force_sign_out", "强制签退", "Force a sign-out", ADMIN, MANAGER),
    _p("act.reinstate", "恢复过号", "Reinstate a missed ticket", ADMIN, MANAGER),
    _p("act.move_transfer", "移动滞留转办", "Move a stuck transfer", ADMIN, MANAGER),
    _p("act.open_service", "开放或暂停取号", "Open or close a service", ADMIN, MANAGER),
    _p("act.pause_window", "代为暂停或恢复窗口", "Pause or resume a window", ADMIN, MANAGER, WINDOW_HEAD),
    _p("act.set_notice", "设置综合屏滚动通知", "Set the display's notice", ADMIN, MANAGER),
    _p("act.bookings", "新建或取消预约", "Create or cancel bookings", ADMIN, MANAGER),
    # pages and actions of the console's next parts (configuration, devices, audit log)
    _p("page.config", "大厅配置", "Hall configuration", ADMIN, DIRECTOR, MANAGER),
    _p("act.edit_config", "修改大厅配置", "Edit the hall configuration", ADMIN, MANAGER),
    _p("act.reset_pin", "重置 PIN", "Reset a PIN", ADMIN),
    # staff and windows administration (issue 11; STAFF_MANAGED says whom each may add, disable or re-role)
    _p("page.staff", "人员", "Staff", ADMIN, DIRECTOR, MANAGER),
    _p("act.staff", "添加、停用人员，修改角色", "Add or disable staff, change roles", ADMIN, MANAGER),
    _p("page.windows", "窗口设置", "Windows", ADMIN, DIRECTOR, MANAGER),
    _p("act.windows", "修改、添加、删除窗口", "Edit, add or remove windows", ADMIN, MANAGER),
    _p("page.devices", "设备", "Devices", ADMIN, MANAGER),
    _p("act.devices", "配对、改名、移动、吊销设备", "Pair, rename, move or revoke devices", ADMIN, MANAGER),
    _p("page.audit", "操作记录", "Audit log", ADMIN, DIRECTOR),
    # 好差评, rectifications, complaints, surveys, visits (issue 12; core/feedback.py, core/complaints.py say more:
    # whose record, which complaint, whose identity)
    _p("page.ratings", "好差评统计", "Rating figures", ADMIN, DIRECTOR, MANAGER, SUPERVISOR, WINDOW_HEAD),
    _p("act.export_ratings", "导出好差评数据", "Export ratings", ADMIN, DIRECTOR, MANAGER, SUPERVISOR),
    _p("page.rectifications", "差评整改", "Rectifications", *EVERYONE),
    _p("act.rectify", "核实、整改、申诉", "Verify, rectify, appeal", MANAGER, WINDOW_HEAD, CLERK),
    _p("act.decide_appeal", "决定差评申诉", "Decide appeals", DIRECTOR),
    _p("act.follow_up", "差评回访", "Follow up bad ratings", DIRECTOR, MANAGER, SUPERVISOR),
    _p("page.complaints", "投诉", "Complaints", DIRECTOR, MANAGER, SUPERVISOR, WINDOW_HEAD, CLERK),
    _p("act.accept_complaint", "受理投诉", "Accept complaints", DIRECTOR, MANAGER, SUPERVISOR),
    _p("act.handle_complaint", "办理投诉", "Handle complaints", DIRECTOR, SUPERVISOR),
    _p("page.surveys", "满意度调查", "Surveys", ADMIN, DIRECTOR, MANAGER, SUPERVISOR),
    _p("act.surveys", "编制和发布问卷", "Compose and publish surveys", ADMIN, DIRECTOR, MANAGER),
    _p("page.visits", "回访", "Follow-up visits", DIRECTOR, MANAGER, SUPERVISOR),
    _p("act.visits", "登记回访", "Record visits", DIRECTOR, MANAGER, SUPERVISOR),
    # people: attendance, leave, meetings, scores, warnings, awards (issue 14; core/attendance.py says who takes
    # which step of a leave's approval chain; a window head sees her windows' staff)
    _p("page.attendance", "考勤", "Attendance", ADMIN, DIRECTOR, MANAGER, SUPERVISOR, WINDOW_HEAD),
    _p("act.correct_attendance", "更正考勤、登记会议签到", "Correct attendance, meeting sign-ins", ADMIN, MANAGER),
    _p("act.sign_attendance", "后台签到签退（无窗口人员）", "Sign in or out at the console", *EVERYONE),
    _p("page.leave", "请假", "Leave", *EVERYONE),
    _p("act.request_leave", "提交请假", "Request leave", *EVERYONE),
    _p("act.approve_leave", "审批请假", "Approve leave", ADMIN, DIRECTOR, MANAGER, WINDOW_HEAD),
    _p("page.scores", "月度考核", "Monthly scores", ADMIN, DIRECTOR, MANAGER, SUPERVISOR, WINDOW_HEAD),
    _p("page.my_scores", "我的考核（仅本人）", "My own scores (mine only)", *EVERYONE),
    _p("act.score_entry", "录入或撤销考核记录", "Enter or withdraw score lines", DIRECTOR, MANAGER),
    _p("act.close_month", "确认月度得分", "Close a month's scores", DIRECTOR, MANAGER),
    _p("page.warnings", "效能告诫", "Efficiency warnings", ADMIN, DIRECTOR, MANAGER, SUPERVISOR),
    _p("act.warnings", "确认、撤销、录入效能告诫", "Confirm, dismiss or enter warnings", DIRECTOR, MANAGER),
    _p("page.awards", "评先评优", "Awards", ADMIN, DIRECTOR, MANAGER, SUPERVISOR),
    _p("act.awards", "录入评议分并公布结果", "Enter marks and publish awards", DIRECTOR, MANAGER),
    # 限时办结 and 督查 (issue 13): a clerk sees her own cases, a window head her windows'; who approves an
    # extension is the hall file's [oversight] extension_approvers (this table only lets them see the button)
    _p("page.cases", "办件登记", "Case register", ADMIN, DIRECTOR, MANAGER, SUPERVISOR, WINDOW_HEAD, CLERK),
    _p("page.on_time", "按期办结率", "On-time rate", ADMIN, DIRECTOR, MANAGER, SUPERVISOR, WINDOW_HEAD),
    _p("act.case_stage", "登记办件环节", "Record a case's stages", DIRECTOR, MANAGER, WINDOW_HEAD, CLERK),
    _p("act.request_extension", "申请延期", "Request an extension", MANAGER, WINDOW_HEAD, CLERK),
    _p("act.approve_extension", "审批延期", "Approve extensions", DIRECTOR, MANAGER, SUPERVISOR),
    _p("act.citizen", "登记申请人信息", "Record the applicant", MANAGER, WINDOW_HEAD, CLERK),
    _p("data.citizen", "查看完整的姓名和身份证号", "See applicants' names and IDs whole", DIRECTOR, MANAGER),
    _p("page.summary", "每日汇总", "Daily summary", ADMIN, DIRECTOR, MANAGER, SUPERVISOR),
    _p("act.close_day", "日结", "Close the day", MANAGER),
    _p("page.inspections", "督查", "Inspections", ADMIN, DIRECTOR, MANAGER, SUPERVISOR, WINDOW_HEAD),
    _p("act.inspect", "登记巡查、抽查、暗访", "Record inspections", DIRECTOR, MANAGER, SUPERVISOR),
    _p("act.rectify_finding", "整改督查发现的问题", "Put a finding right", MANAGER, WINDOW_HEAD),
    _p("page.rota", "值班安排", "Duty rota", ADMIN, DIRECTOR, MANAGER, SUPERVISOR, WINDOW_HEAD, CLERK),
    _p("act.rota", "排值班、登记值班失职", "Set the rota, record duty lapses", MANAGER),
    # reports and the staffing simulation (issue 15)
    _p("page.reports", "统计报表", "Reports", ADMIN, DIRECTOR, MANAGER, SUPERVISOR),
    _p("page.staffing", "排班测算", "Staffing simulation", ADMIN, DIRECTOR, MANAGER),
)
PERMISSIONS = {p.code: p for p in PERMISSION_LIST}

# Whom a role may add, disable, re-enable or give a role (and which roles she may give): the hall manager her
# window clerks; the administrator anyone. Nobody does this to herself (her own PIN: "change PIN").
STAFF_MANAGED: dict[str, frozenset[str]] = {
    ADMIN: frozenset({ADMIN, DIRECTOR, MANAGER, SUPERVISOR, CLERK}),
    MANAGER: frozenset({CLERK}),
}


def staff_change_refusal(actor_role: str, actor: str, target: str, roles: Iterable[str]) -> str | None:
    """Why a console role may not add, disable or re-role staff member `target` (holding or being given each of
    `roles`, hall-file roles), as a sentence; None when she may."""
    if actor == target:
        return "不能对自己执行此操作。 / You cannot do this to yourself."
    managed = STAFF_MANAGED.get(actor_role, frozenset())
    beyond = sorted(set(roles) - managed)
    if beyond:
        zh = "、".join(ROLE_NAMES.get(r, (r, r))[0] for r in beyond)
        en = ", ".join(ROLE_NAMES.get(r, (r, r))[1] for r in beyond)
        return f"您的角色无权管理{zh}。 / Your role may not manage a {en}."
    return None


def may(role: str, what: str) -> bool:
    """Whether a console role may see this page or do this action (an unknown code: nobody may)."""
    permission = PERMISSIONS.get(what)
    return permission is not None and role in permission.roles


def console_role(staff_role: str, heads_a_window: bool) -> str | None:
    """The console role of a staff member: her hall-file role, a clerk heading a window is a window head;
    None for a role the console does not know."""
    if staff_role == CLERK and heads_a_window:
        return WINDOW_HEAD
    return staff_role if staff_role in CONSOLE_ROLES else None


def home(role: str) -> str:
    """The page a role lands on after signing in."""
    return "page.live" if may(role, "page.live") else "page.me"


def allowed(role: str, codes: Iterable[str] | None = None) -> list[Permission]:
    """What a role may see and do, in the table's order (the console's menu and its "who may" help)."""
    chosen = set(codes) if codes is not None else None
    return [p for p in PERMISSION_LIST if role in p.roles and (chosen is None or p.code in chosen)]


def may_cover_window(role: str) -> bool:
    """A staff role that may sign in at a window whose A or B post she is not (standing in, on record)."""
    return role in COVER_ANY_WINDOW
