/* Fits a figure to a phone before Plotly draws it. The figures (built in Python)
   put their legend along the bottom, clear of the toolbar at the top right; below
   600 px the toolbar is hidden altogether, and the legend, whose entries then
   wrap one to a row, gets the room it needs. Loaded by
   templates/includes/plotly.html right after plotly.js, before any drawing. */
(function () {
  "use strict";
  var PHONE = 600;
  var ROW = 22; // px per legend row at the figures' 12 px font

  function fit(fig) {
    var layout = Object.assign({}, fig.layout || {});
    var config = Object.assign({}, fig.config || {});
    if (window.innerWidth >= PHONE) {
      return { data: fig.data, layout: layout, config: config };
    }
    config.displayModeBar = false;
    var entries = (fig.data || []).filter(function (trace) {
      return trace.type !== "treemap" && trace.showlegend !== false;
    }).length;
    if (entries > 1 && layout.showlegend !== false) {
      var margin = Object.assign({}, layout.margin || {});
      var extra = Math.max(0, 56 + ROW * entries - (margin.b || 0));
      margin.t = Math.min(margin.t || 16, 16);
      margin.b = (margin.b || 0) + extra;
      layout.margin = margin;
      layout.height = (layout.height || 400) + extra;
    }
    return { data: fig.data, layout: layout, config: config };
  }

  window.kkbFitFigure = fit;
})();
