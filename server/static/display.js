// The hall screen in a browser: GET /api/v1/hall once, then the event stream (EventSource resumes with
// Last-Event-ID by itself). After a reconnect the hall is read again to refresh the windows.
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
  }
  if (name === "day.rolled") loadHall();
  render();
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
