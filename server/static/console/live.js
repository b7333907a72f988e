// The live hall page: follow the event stream and refresh the panels (one server-rendered fragment) after each
// burst of events, and every `data-refresh-s` seconds for the durations. The chart's option comes from the server.
(function () {
  "use strict";
  const root = document.getElementById("live");
  if (!root) return;
  const panelsUrl = root.dataset.panels;
  const names = JSON.parse(root.dataset.events);
  const refreshMs = 1000 * Number(root.dataset.refreshS || 30);
  const banner = document.getElementById("stream-banner");
  let chart = null;

  function drawChart() {
    const el = document.getElementById("waiting-chart");
    const data = document.getElementById("waiting-chart-option");
    if (!el || !data || !window.echarts) return;
    if (!chart) {
      chart = window.echarts.init(el, null, { renderer: "svg" });
      window.addEventListener("resize", function () { chart.resize(); });
    }
    chart.setOption(JSON.parse(data.textContent), true);
  }

  let timer = null;
  let busy = false;
  let again = false;

  function refresh() {
    timer = null;
    if (busy) { again = true; return; }
    busy = true;
    window.htmx
      .ajax("GET", panelsUrl, { target: "#panels", swap: "innerHTML", headers: { "X-Console-Poll": "1" } })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; soon(); }
      });
  }

  function soon() {  // many events at once (a call closes one ticket and moves a window): one refresh
    if (timer === null) timer = window.setTimeout(refresh, 80);
  }

  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "panels") drawChart();
  });

  function listen() {
    const source = new EventSource("/api/v1/events");
    names.forEach(function (name) { source.addEventListener(name, soon); });
    source.addEventListener("open", function () {
      if (!banner.hidden) { banner.hidden = true; soon(); }  // back after a break: catch up at once
    });
    source.addEventListener("error", function () {
      banner.hidden = false;
      if (source.readyState === EventSource.CLOSED) {  // the browser gave up: start again
        window.setTimeout(listen, 3000);
      }
    });
  }

  window.setInterval(soon, refreshMs);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawChart(); listen(); });
  } else {
    drawChart();
    listen();
  }
})();
