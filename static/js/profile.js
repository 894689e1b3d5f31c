// Profile page charts (Chart.js, vendored): follower growth with flagged spikes, ER per post.
(function () {
  "use strict";

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function drawGrowth() {
    var canvas = document.getElementById("growth-chart");
    var points = readJson("growth-data") || [];
    if (!canvas || !points.length) return null;
    var spikes = new Set(readJson("spike-days") || []);
    var isSpike = points.map(function (p) { return spikes.has(p.date); });
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: points.map(function (p) { return p.date; }),
        datasets: [{
          label: "Followers",
          data: points.map(function (p) { return p.followers; }),
          borderColor: "#3a4ee0",
          tension: 0.1,
          pointRadius: isSpike.map(function (s) { return s ? 6 : 2; }),
          pointBackgroundColor: isSpike.map(function (s) { return s ? "#b91c1c" : "#3a4ee0"; }),
        }],
      },
      options: {
        animation: false,
        plugins: {
          tooltip: {
            callbacks: {
              afterLabel: function (ctx) { return isSpike[ctx.dataIndex] ? "flagged: follower spike" : ""; },
            },
          },
        },
      },
    });
  }

  function drawEngagement() {
    var canvas = document.getElementById("er-chart");
    var points = (readJson("er-data") || []).filter(function (p) { return p.er !== null; });
    if (!canvas || !points.length) return null;
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: points.map(function (p) { return p.posted_at; }),
        datasets: [{ label: "ER per post (%)", data: points.map(function (p) { return p.er; }), backgroundColor: "#6366f1" }],
      },
      options: { animation: false, scales: { y: { beginAtZero: true } } },
    });
  }

  function init() {
    if (typeof Chart === "undefined") return;
    window.microlensCharts = { growth: drawGrowth(), engagement: drawEngagement() };
    document.body.dataset.chartsReady = "1";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
