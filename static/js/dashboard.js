/* Dashboard pages: draw the Plotly figures, drill down from the treemap and map, sort the
   indicator table in place and print. No inline script: each figure comes in a
   json_script element named by its chart's data-figure attribute. Without this
   file everything still works: tables sort by link, tiles are listed as links. */
(function () {
  "use strict";

  function drawCharts() {
    if (!window.Plotly) {
      return;
    }
    document.querySelectorAll("[data-figure]").forEach(function (box) {
      var source = document.getElementById(box.getAttribute("data-figure"));
      if (!source) {
        return;
      }
      var fig = JSON.parse(source.textContent);
      if (window.kkbFitFigure) {
        fig = window.kkbFitFigure(fig);
      }
      window.Plotly.newPlot(box, fig.data, fig.layout, fig.config).then(function (gd) {
        if (box.hasAttribute("data-drill")) {
          // A map: tapping a region's dot opens its dashboard (its customdata).
          gd.on("plotly_click", function (event) {
            var point = event && event.points && event.points[0];
            var url = point && point.customdata;
            if (typeof url === "string" && url.charAt(0) === "/") {
              window.location.assign(url);
            }
          });
          return;
        }
        var treemap = fig.data.some(function (trace) { return trace.type === "treemap"; });
        if (!treemap) {
          return;
        }
        // A tile opens its region's dashboard (its customdata) instead of zooming.
        gd.on("plotly_treemapclick", function (event) {
          var point = event && event.points && event.points[0];
          if (point && point.customdata) {
            window.location.assign(point.customdata);
          }
          return false;
        });
      });
    });
  }

  function cellValue(row, index, numeric) {
    var raw = row.children[index].getAttribute("data-value");
    if (raw === null || raw === "") {
      return null;
    }
    return numeric ? parseFloat(raw) : raw.toLocaleLowerCase();
  }

  function sortRows(table, index, numeric, descending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric);
      var y = cellValue(b, index, numeric);
      if (x === null || y === null) {
        return (x === null) - (y === null); // no value: last either way
      }
      var order = numeric ? x - y : x.localeCompare(y);
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function withQuery(href, key, direction) {
    var url = new URL(href, window.location.href);
    url.searchParams.set("urut", key);
    url.searchParams.set("arah", direction);
    return url;
  }

  function enhanceTable(table) {
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (th, index) {
      var link = th.querySelector("a.sort-link");
      if (!link) {
        return;
      }
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var asked = new URL(link.href).searchParams.get("arah");
        var numeric = th.hasAttribute("data-numeric");
        sortRows(table, index, numeric, asked === "desc");
        headers.forEach(function (other) {
          var otherLink = other.querySelector("a.sort-link");
          var next;
          if (other === th) {
            other.setAttribute("aria-sort", asked === "desc" ? "descending" : "ascending");
            next = asked === "desc" ? "asc" : "desc";
          } else {
            other.removeAttribute("aria-sort");
            next = other.hasAttribute("data-numeric") ? "desc" : "asc";
          }
          if (otherLink) {
            otherLink.href = withQuery(otherLink.href, other.getAttribute("data-key"), next).toString();
          }
        });
        // Exports, the year form and the address keep the order just chosen.
        var key = th.getAttribute("data-key");
        document.querySelectorAll("a[data-export]").forEach(function (a) {
          a.href = withQuery(a.href, key, asked).toString();
        });
        document.querySelectorAll("form.year-form").forEach(function (form) {
          form.elements.urut.value = key;
          form.elements.arah.value = asked;
        });
        var here = withQuery(window.location.href, key, asked);
        here.hash = "tabel";
        window.history.replaceState(null, "", here.toString());
      });
    });
  }

  document.querySelectorAll("table[data-sortable]").forEach(enhanceTable);
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  drawCharts();
})();
