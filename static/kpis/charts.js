/* Draws the KPI charts with the vendored Chart.js. Each chart's data sits in
   a <script type="application/json"> block (Django's json_script), so the
   page needs no inline script and a strict Content-Security-Policy holds.
   Every chart repeats a table on the page, which is its text alternative. */
(function () {
  "use strict";

  // Dark, distinguishable colours (3:1 against white) plus a different dash
  // and point shape per series, so no series is told apart by colour alone.
  var STYLES = [
    { color: "#1d4ed8", dash: [], point: "circle" },
    { color: "#b3261e", dash: [6, 4], point: "rectRot" },
    { color: "#00703c", dash: [2, 3], point: "triangle" },
    { color: "#6f3f9f", dash: [10, 4, 2, 4], point: "rect" },
    { color: "#8a4b00", dash: [1, 5], point: "star" },
  ];
  var UNITS = { count: "Number", minutes: "Minutes", percent: "Per cent", money: "Estimated cost" };

  function dataset(spec, index, kind) {
    var style = STYLES[index % STYLES.length];
    var bar = kind === "bar";
    return {
      label: spec.label,
      data: spec.data,
      borderColor: style.color,
      backgroundColor: bar ? style.color + (index % 2 ? "99" : "") : style.color,
      borderWidth: 2,
      borderDash: bar ? [] : style.dash,
      pointStyle: style.point,
      pointRadius: bar ? 0 : 4,
      spanGaps: true,
    };
  }

  function draw(figure) {
    var canvas = figure.querySelector("canvas[data-chart]");
    var source = canvas && document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var many = spec.datasets.length > 1;
    new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d, i) { return dataset(d, i, spec.type); }),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: many, labels: { usePointStyle: true, color: "#0b0c0c" } },
          tooltip: { enabled: true },
        },
        scales: {
          x: { stacked: !!spec.stacked, ticks: { color: "#0b0c0c" } },
          y: {
            stacked: !!spec.stacked,
            beginAtZero: true,
            ticks: { color: "#0b0c0c" },
            title: { display: true, text: UNITS[spec.unit] || "", color: "#0b0c0c" },
          },
        },
      },
    });
    figure.setAttribute("data-kpi-drawn", "true");
  }

  function start() {
    var figures = document.querySelectorAll("figure[data-kpi-chart]");
    for (var i = 0; i < figures.length; i += 1) {
      draw(figures[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
