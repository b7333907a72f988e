// The hall screen in a browser: GET /api/v1/hall once, then the event stream (EventSource resumes with
// Last-Event-ID by itself). After a reconnect the hall is read again to refresh the windows.
// The honour roll (光荣榜, GET /api/v1/honours) is read at start, every `refresh_s` the hall configures and when the
// day rolls; as the hall chooses ([awards] honour_roll_display) it stands in place of the calls for `show_s` of every
// `every_s` seconds ("rotate"; a call brings the calls back at once), shows in a band under the calls one section
// at a time ("panel"), or not at all ("off"). Only names and titles are taken from it: a public screen.
"use strict";

const RECENT = 8;
const STATES = {
  paused: ["暂停服务", "Paused"], closed: ["未开放", "Closed"], idle: ["空闲", "Idle"],
  called: ["请{n}", "Calling {n}"], serving: ["{n} 办理中", "Serving {n}"],
};
const state = { windows: new Map(), versions: new Map(), waiting: {}, services: [], recent: [], lastId: 0, source: null };
const $ = (id) => document.getElementById(id);

function windowState(w) {
  if (w.status === "paused" || w.status === "closed") return w.status;
  if (w.current_number && (w.current_status === "called" || w.current_status === "serving")) return w.current_status;
  return "idle";
}

function setWindow(w, version) {
  if (!w || typeof w.number !== "number") return;
  if (version < (state.versions.get(w.number) ?? -1)) return;
  state.windows.set(w.number, w);
  state.versions.set(w.number, version);
}

function applyHall(hall) {
  state.services = hall.services || [];
  (hall.windows || []).forEach((w) => setWindow(w, hall.last_event_id || 0));
  if (hall.waiting) state.waiting = hall.waiting;
  if (!state.recent.length) {  // after a reload: the day's latest calls, as the server kept them
    state.recent = (hall.recent_calls || []).map((c) => ({ number: c.number, window: c.window, recall: false }));
  }
  render();
}

function onEvent(name, event) {
  const id = Number(event.lastEventId);
  if (id && id <= state.lastId) return;  // never handle an event twice
  if (id) state.lastId = id;
  const payload = JSON.parse(event.data || "{}");
  setWindow(payload.window, id);
  if (payload.waiting) state.waiting = payload.waiting;
  if ((name === "ticket.called" || name === "ticket.recalled") && payload.ticket) {
    const win = payload.ticket.window || (payload.window || {}).number;
    state.recent.unshift({ number: payload.ticket.number, window: win, recall: name === "ticket.recalled" });
    state.recent = state.recent.slice(0, RECENT + 1);
    flash();
    roll.lastCallAt = performance.now();  // a call brings the calls back at once
  }
  if (name === "day.rolled") {
    loadHall().then(applyHall).catch(() => {});
    loadHonours();  // a new month: the red flag may have passed on
  }
  render();
  renderRoll();
}

function flash() {
  const panel = $("latest");
  panel.classList.remove("flash");
  void panel.offsetWidth;  // restart the animation
  panel.classList.add("flash");
}

function render() {
  const latest = state.recent[0];
  $("latest-text").textContent = latest ? `${latest.number} → ${latest.window}号窗口` : "—";
  $("latest-en").textContent = latest ? `${latest.number} → Window ${latest.window}${latest.recall ? " (again)" : ""}` : "";
  $("latest-label").innerHTML = latest ? '正在呼叫 <span class="en">Now calling</span>'
    : '等待叫号 <span class="en">Waiting for the next call</span>';
  $("recent").replaceChildren(...state.recent.slice(1, RECENT + 1).map((c) => {
    const li = document.createElement("li");
    li.textContent = `${c.number} → ${c.window}号窗口`;
    if (c.recall) { const s = document.createElement("span"); s.className = "again"; s.textContent = "（重呼）"; li.append(s); }
    return li;
  }));
  const rows = [...state.windows.values()].sort((a, b) => a.number - b.number).map((w) => {
    const st = windowState(w);
    const tr = document.createElement("tr");
    tr.className = st;
    tr.dataset.window = w.number;
    const [zh, en] = STATES[st].map((t) => t.replace("{n}", w.current_number || ""));
    for (const [cls, text] of [["num", `${w.number}号`], ["state", zh], ["state-en", en]]) {
      const td = document.createElement("td"); td.className = cls; td.textContent = text; tr.append(td);
    }
    return tr;
  });
  $("windows").tBodies[0].replaceChildren(...rows);
  const codes = state.services.length ? state.services : Object.keys(state.waiting).map((c) => ({ code: c, name: c }));
  $("waiting").replaceChildren(...codes.map((s) => {
    const li = document.createElement("li");
    li.textContent = s.name;
    const b = document.createElement("b"); b.textContent = String(state.waiting[s.code] ?? 0); li.append(b);
    return li;
  }));
}

function tickClock() {
  const now = new Date();
  const tz = document.body.dataset.tz || undefined;
  const date = now.toLocaleDateString("zh-CN", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).replaceAll("/", "-");
  const weekday = now.toLocaleDateString("zh-CN", { timeZone: tz, weekday: "long" });
  const time = now.toLocaleTimeString("zh-CN", { timeZone: tz, hour: "2-digit", minute: "2-digit", hour12: false });
  $("clock").textContent = `${date} ${weekday} ${time}`;
}

async function loadHall() {
  const response = await fetch("/api/v1/hall", { cache: "no-store" });
  if (!response.ok) throw new Error(`hall ${response.status}`);
  return response.json();
}

// ---- the honour roll (光荣榜) ----------------------------------------------------------------------------------

const ROLL_MODES = ["rotate", "panel", "off"];
const HONOUR_RETRY_S = 60;  // a failed read of the roll is tried again after this
const BAND_LINE_S = 8;  // "panel": each section stays this long in the band under the calls
const QUARTER_ZH = { 1: "一", 2: "二", 3: "三", 4: "四" };
const roll = {
  data: null, key: "", mode: "off", everyS: 180, showS: 20, refreshS: 600,
  epoch: performance.now(), lastCallAt: -Infinity, timer: 0, reading: false,
};

function windowLabel(number, name) {
  const text = String(name ?? "").trim();
  if (number === null || number === undefined || number === "") return text;
  const prefix = `${number}号`;
  return text.startsWith(prefix) ? text : `${prefix} ${text}`.trim();
}

function seconds(value, fallback) {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

// GET /honours' answer → what the screen shows: names and titles only (no score, no rule, nothing personal).
function rollOf(data) {
  const flag = data.red_flag || {};
  const month = String(flag.month || "");
  const period = String(data.period || "");
  const [year, quarter] = period.split("-Q");
  const known = quarter in QUARTER_ZH;
  const shown = {
    redFlagMonth: /^\d{4}-\d{2}$/.test(month) ? `${month.slice(0, 4)}年${Number(month.slice(5))}月` : month,
    redFlagMonthEn: month,
    redFlag: (flag.windows || []).filter((w) => w && typeof w === "object").map((w) => windowLabel(w.number, w.name)),
    period: known ? `${year}年第${QUARTER_ZH[quarter]}季度` : period,
    periodEn: known ? `${year} Q${quarter}` : period,
    windowTitle: String(data.window_title || "") || "优质服务窗口",
    staffTitle: String(data.staff_title || "") || "优秀服务标兵",
    windows: (data.windows || []).filter((w) => w && typeof w === "object").map((w) => windowLabel(w.number, w.name)),
    staff: (data.staff || []).filter((c) => c && typeof c === "object" && c.name)
      .map((c) => ({ name: String(c.name), window: String(c.window || ""), title: String(c.title || "") })),
  };
  return shown.redFlag.length || shown.windows.length || shown.staff.length ? shown : null;
}

function applyHonours(data) {
  const display = data.display || {};
  roll.mode = ROLL_MODES.includes(display.mode) ? display.mode : "rotate";
  roll.everyS = seconds(display.every_s, 180);
  roll.showS = seconds(display.show_s, 20);
  roll.refreshS = seconds(display.refresh_s, 600);
  roll.data = rollOf(data);
  const key = JSON.stringify(roll.data);
  if (key !== roll.key) {
    roll.key = key;
    buildRoll();
  }
  renderRoll();
}

async function loadHonours() {
  if (roll.reading) return;
  roll.reading = true;
  clearTimeout(roll.timer);
  let next = HONOUR_RETRY_S;
  try {
    const response = await fetch("/api/v1/honours", { cache: "no-store" });
    if (!response.ok) throw new Error(`honours ${response.status}`);
    applyHonours(await response.json());
    next = roll.refreshS;
  } catch (error) {
    // the roll shown stays as it was; read again soon
  } finally {
    roll.reading = false;
    roll.timer = setTimeout(loadHonours, next * 1000);
  }
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function heading(zh, en) {
  const head = el("div", "roll-head", zh + " ");
  head.append(el("span", "en", en));
  return head;
}

// One line per section for the band ("panel"): [Chinese, English].
function rollLines(r) {
  const out = [];
  if (r.redFlag.length) out.push([`流动红旗 · ${r.redFlagMonth}：${r.redFlag.join("、")}`, `Red flag · ${r.redFlagMonthEn}`]);
  if (r.windows.length) out.push([`${r.windowTitle} · ${r.period}：${r.windows.join("、")}`, `Model windows · ${r.periodEn}`]);
  if (r.staff.length) {
    out.push([`${r.staffTitle} · ${r.period}：${r.staff.map((c) => c.name).join("、")}`, `Model clerks · ${r.periodEn}`]);
  }
  return out;
}

// The roll in place of the calls ("rotate"): the red flag, the model windows, the model clerks.
function buildRoll() {
  const body = $("roll-body");
  const r = roll.data;
  if (!r) { body.replaceChildren(); return; }
  const parts = [];
  if (r.redFlag.length) {
    parts.push(heading(`流动红旗 · ${r.redFlagMonth}`, `Red flag · ${r.redFlagMonthEn}`));
    const flag = el("div", "roll-flag");
    r.redFlag.forEach((w) => flag.append(el("span", "", w)));
    parts.push(flag);
  }
  if (r.windows.length) {
    parts.push(heading(`${r.windowTitle} · ${r.period}`, `Model windows · ${r.periodEn}`));
    const grid = el("div", "roll-grid roll-windows");
    r.windows.forEach((w) => grid.append(el("div", "roll-window", w)));
    parts.push(grid);
  }
  if (r.staff.length) {
    parts.push(heading(`${r.staffTitle} · ${r.period}`, `Model clerks · ${r.periodEn}`));
    const grid = el("div", "roll-grid roll-staff");
    r.staff.forEach((c) => {
      const cell = el("div", "roll-clerk");
      cell.append(el("b", "", c.name));
      const detail = [c.window, c.title].filter(Boolean).join(" · ");
      if (detail) cell.append(el("span", "detail", detail));
      grid.append(cell);
    });
    parts.push(grid);
  }
  body.replaceChildren(...parts);
}

// Rotate: the last `show_s` of every `every_s` seconds, unless a call came since that began.
function rollShowing(now) {
  if (!roll.data || roll.mode !== "rotate") return false;
  const phase = ((now - roll.epoch) / 1000) % roll.everyS;
  const shownFor = phase - (roll.everyS - roll.showS);
  return shownFor >= 0 && roll.lastCallAt < now - shownFor * 1000;
}

function renderRoll() {
  const now = performance.now();
  const showing = rollShowing(now);
  document.body.classList.toggle("showing-roll", showing);
  $("roll").hidden = !showing;
  const lines = roll.data && roll.mode === "panel" ? rollLines(roll.data) : [];
  const band = $("honour-band");
  band.hidden = !lines.length;
  if (!lines.length) return;
  const [zh, en] = lines[Math.floor((now - roll.epoch) / 1000 / BAND_LINE_S) % lines.length];
  const line = $("honour-line");
  if (line.dataset.text !== zh) {
    line.dataset.text = zh;
    line.replaceChildren(zh + "  ", el("span", "en", en));
    line.style.fontSize = "";
    const scale = line.clientWidth / line.scrollWidth;  // shrunk to fit its width (down to 60 %) rather than cut
    if (scale < 1) line.style.fontSize = `${Math.max(0.6, scale) * 3.2}vh`;
  }
}

const EVENTS = ["ticket.issued", "ticket.called", "ticket.recalled", "ticket.started", "ticket.finished",
  "ticket.no_show", "ticket.suspended", "ticket.resumed", "ticket.transferred", "ticket.cancelled", "ticket.closed",
  "window.opened", "window.closed", "window.paused", "window.resumed", "service.opened", "service.closed", "day.rolled"];

// A paired hall screen opens this page as /display?device=TOKEN: its stream then holds a reserved slot
// (an EventSource cannot send the X-Device-Token header, so the token goes in the stream's address).
const DEVICE = new URLSearchParams(location.search).get("device");

function listen() {
  const device = DEVICE ? `&device_token=${encodeURIComponent(DEVICE)}` : "";
  const source = new EventSource(`/api/v1/events?last_event_id=${state.lastId}${device}`);
  state.source = source;
  let lost = false;
  EVENTS.forEach((name) => source.addEventListener(name, (e) => onEvent(name, e)));
  source.onopen = () => {
    $("banner").hidden = true;
    if (lost) loadHall().then(applyHall).catch(() => {});
    lost = false;
  };
  source.onerror = () => {
    lost = true;
    $("banner").hidden = false;
    if (source.readyState === EventSource.CLOSED) {  // the browser gave up (e.g. an HTTP error): start again
      setTimeout(listen, 3000);
    }
  };
}

async function start() {
  tickClock();
  setInterval(tickClock, 1000);
  loadHonours();
  setInterval(renderRoll, 250);
  for (;;) {
    try {
      const hall = await loadHall();
      state.lastId = hall.last_event_id || 0;
      applyHall(hall);
      break;
    } catch (error) {
      $("banner").hidden = false;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
  $("banner").hidden = true;
  listen();
}

start();
