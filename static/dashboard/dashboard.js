/* LT dashboard: draws the equity curves (uPlot) from the JSON the page carries, on load and
   whenever htmx brings a panel in. No inline script: the page's Content-Security-Policy
   allows scripts from LT's own static files only. */
(function () {
  "use strict";

  function numbers(texts) {
    return texts.map(Number);
  }

  function draw(container) {
    if (container.dataset.drawn || typeof uPlot === "undefined") return;
    var source = document.getElementById(container.dataset.curve);
    if (!source) return;
    var curve = JSON.parse(source.textContent);
    var small = container.classList.contains("small");
    var width = Math.max(small ? 160 : 280, container.clientWidth || 0);
    var options = {
      width: width,
      height: small ? 48 : 240,
      legend: { show: !small },
      cursor: { show: !small },
      scales: { x: { time: true } },
      axes: small ? [{ show: false }, { show: false }] : [{}, { size: 70 }],
      series: [
        {},
        { label: "FT", stroke: "#9e9e9e", width: 1.5 },
        { label: "LT", stroke: "#1565c0", width: 2 },
      ],
    };
    var data = [numbers(curve.t), numbers(curve.ft), numbers(curve.lt)];
    container.dataset.drawn = "1";
    new uPlot(options, data, container);
  }

  function drawAll(root) {
    (root || document).querySelectorAll(".chart[data-curve]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
})();
