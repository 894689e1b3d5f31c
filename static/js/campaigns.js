// Campaign pages: drag-and-drop on the pipeline board (buttons remain the keyboard path) and report charts.
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setupBoard(board) {
    var dragged = null;
    board.querySelectorAll(".cp-cardlet[draggable=true]").forEach(function (card) {
      card.addEventListener("dragstart", function (ev) {
        dragged = card;
        ev.dataTransfer.setData("text/plain", card.dataset.entry);
      });
    });
    board.querySelectorAll(".cp-col").forEach(function (col) {
      col.addEventListener("dragover", function (ev) { ev.preventDefault(); col.classList.add("drop"); });
      col.addEventListener("dragleave", function () { col.classList.remove("drop"); });
      col.addEventListener("drop", function (ev) {
        ev.preventDefault();
        col.classList.remove("drop");
        if (!dragged || !dragged.dataset.moveUrl) { return; }
        var body = new URLSearchParams({ status: col.dataset.status, csrfmiddlewaretoken: csrfToken() });
        fetch(dragged.dataset.moveUrl, { method: "POST", body: body, credentials: "same-origin" })
          .then(function () { window.location.reload(); });
      });
    });
  }

  function setupCharts() {
    var holder = document.getElementById("report-chart-data");
    if (!holder || typeof Chart === "undefined") { return; }
    var data = JSON.parse(holder.textContent);
    var series = [["views", "Views", "#3a4ee0"], ["reach", "Reach", "#15803d"], ["impressions", "Impressions", "#b45309"]];
    series.forEach(function (s) {
      var canvas = document.getElementById("chart-" + s[0]);
      if (!canvas) { return; }
      canvas.chart = new Chart(canvas, {
        type: "bar",
        data: { labels: data.labels, datasets: [{ label: s[1], data: data[s[0]], backgroundColor: s[2] }] },
        options: { animation: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } }
      });
      canvas.dataset.rendered = "1";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var board = document.getElementById("board");
    if (board) { setupBoard(board); }
    setupCharts();
  });
})();
