// Charts of the admin analytics page (templates/admin/analytics.html); the data is in json_script blocks.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.Chart) return;
  const cost = JSON.parse(document.getElementById("analytics-cost").textContent);
  const models = JSON.parse(document.getElementById("analytics-models").textContent);
  new Chart(document.getElementById("chart-cost"), {
    type: "bar",
    data: { labels: cost.map(d => d.day.slice(5)), datasets: [{ label: "USD", data: cost.map(d => d.cost) }] },
    options: { plugins: { legend: { display: false } } },
  });
  new Chart(document.getElementById("chart-models"), {
    type: "bar",
    data: { labels: models.map(m => m.model), datasets: [{ label: "Requests", data: models.map(m => m.requests) }] },
    options: { indexAxis: "y", plugins: { legend: { display: false } } },
  });
});
