// Dashboard charts (Chart.js, vendored). Colours follow the page theme.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    const source = document.getElementById("chart-data");
    if (!source || !window.Chart) return;
    const data = JSON.parse(source.textContent);
    const css = getComputedStyle(document.documentElement);
    const accent = css.getPropertyValue("--accent").trim() || "#4338ca";
    const muted = css.getPropertyValue("--muted").trim() || "#555";
    const border = css.getPropertyValue("--border").trim() || "#ddd";
    Chart.defaults.color = muted;
    Chart.defaults.borderColor = border;
    const common = { responsive: true, maintainAspectRatio: false, animation: false };
    window.switchboardCharts = [
      new Chart(document.getElementById("chart-daily"), {
        type: "bar",
        data: {
          labels: data.days,
          datasets: [
            { label: "Requests", data: data.requests, backgroundColor: accent, yAxisID: "y" },
            { label: "Tokens", data: data.tokens, type: "line", borderColor: "#f59e0b", backgroundColor: "#f59e0b", pointRadius: 4, yAxisID: "y1" },
          ],
        },
        options: { ...common, scales: { y: { beginAtZero: true }, y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } } },
      }),
      new Chart(document.getElementById("chart-cost"), {
        type: "line",
        // Filled points, and days centred in their slots: a first day of use is a dot in view, not a speck
        // on the axis (a line needs two days).
        data: { labels: data.days, datasets: [{ label: "USD", data: data.cost, borderColor: accent, backgroundColor: accent, pointRadius: 4, fill: false }] },
        options: { ...common, scales: { x: { offset: true }, y: { beginAtZero: true } } },
      }),
      new Chart(document.getElementById("chart-models"), {
        type: "bar",
        data: { labels: data.models, datasets: [{ label: "USD", data: data.model_cost, backgroundColor: accent }] },
        options: { ...common, indexAxis: "y" },
      }),
    ];
  });
})();
