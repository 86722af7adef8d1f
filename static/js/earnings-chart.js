/* The creator's daily earnings: one bar chart per currency, drawn from the data the page
 * embeds with Django's json_script ({"days": [...], "series": [{"currency", "values"}]}).
 * Amounts arrive as exact decimal strings; they become numbers here only to be drawn, and the
 * tooltip shows the original string. Without JavaScript (or Chart.js) the table stays open. */
(function () {
  "use strict";

  var ACCENT = "#6f42c1";

  function shortDay(iso) {
    // "2026-03-07" -> "Mar 7" without relying on the browser's time zone.
    var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    var parts = iso.split("-");
    return months[Number(parts[1]) - 1] + " " + Number(parts[2]);
  }

  function drawSeries(canvas, days, series) {
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: days,
        datasets: [
          {
            label: series.currency,
            data: series.values.map(Number),
            backgroundColor: ACCENT,
            borderRadius: 2,
            maxBarThickness: 14,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) {
                return items.length ? days[items[0].dataIndex] : "";
              },
              label: function (item) {
                return series.values[item.dataIndex] + " " + series.currency;
              },
            },
          },
        },
        scales: {
          x: {
            grid: { display: false },
            ticks: {
              autoSkip: true,
              maxRotation: 0,
              maxTicksLimit: 12,
              callback: function (value) {
                return shortDay(this.getLabelForValue(value));
              },
            },
          },
          y: { beginAtZero: true, ticks: { maxTicksLimit: 6 } },
        },
      },
    });
  }

  function draw() {
    var source = document.getElementById("earnings-chart-data");
    var wrapper = document.querySelector("[data-earnings-charts]");
    if (!source || !wrapper || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var drawn = 0;
    // Shown before drawing: Chart.js sizes each canvas from its (visible) container.
    wrapper.hidden = false;
    data.series.forEach(function (series) {
      var canvas = wrapper.querySelector('canvas[data-currency="' + series.currency + '"]');
      if (canvas) {
        drawSeries(canvas, data.days, series);
        drawn += 1;
      }
    });
    if (!drawn) {
      wrapper.hidden = true;
      return;
    }
    var table = document.querySelector("[data-earnings-table]");
    if (table) {
      table.open = false;
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
