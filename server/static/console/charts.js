// Console pages with charts (好差评, 统计报表, 排班测算): draw each chart whose ECharts option the server wrote into the page (data-chart → a JSON script).
(function () {
  "use strict";
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      const data = document.getElementById(el.dataset.chart);
      if (!data) return;
      const chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(JSON.parse(data.textContent), true);
      window.addEventListener("resize", function () { chart.resize(); });
      window.addEventListener("beforeprint", function () { chart.resize(); });
      el.dataset.drawn = "1";
    });
  }
  // drawn once the bundled CJK font ("HallQ CJK", server/static/font.ttf) is in: ECharts measures its labels
  // (the heatmap's weekdays, the legend) in the font they are drawn in
  function ready() {
    if (document.fonts && document.fonts.load) {
      document.fonts.load('12px "HallQ CJK"', "周一").then(draw, draw);
    } else {
      draw();
    }
  }
  if (document.readyState === "complete") ready(); else window.addEventListener("load", ready);
})();
