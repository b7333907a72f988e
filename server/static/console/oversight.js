// Oversight pages: draw each ECharts chart from the option the server built (<div data-option="id of a JSON script">).
(function () {
  "use strict";
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-option]").forEach(function (el) {
      const source = document.getElementById(el.dataset.option);
      if (!source) { return; }
      const chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(JSON.parse(source.textContent));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
