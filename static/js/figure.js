/* Draws each Plotly figure of a page: an element with data-figure names the
   json_script element that holds the figure. A file, not an inline script, so
   the Content-Security-Policy can forbid inline scripts. */
(function () {
  "use strict";
  if (!window.Plotly) {
    return;
  }
  document.querySelectorAll("[data-figure]").forEach(function (box) {
    var source = document.getElementById(box.getAttribute("data-figure"));
    if (source) {
      var fig = JSON.parse(source.textContent);
      if (window.kkbFitFigure) {
        fig = window.kkbFitFigure(fig);
      }
      window.Plotly.newPlot(box, fig.data, fig.layout, fig.config);
    }
  });
})();
