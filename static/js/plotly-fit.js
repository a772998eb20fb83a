/* Fits a figure to the screen before Plotly draws it: on a phone (below 600 px)
   the toolbar (modebar) is hidden, since it would cover the legend, and the
   legend goes below the plot, with room kept under the axis for it. Loaded by
   templates/includes/plotly.html right after plotly.js, before any drawing. */
(function () {
  "use strict";
  var PHONE = 600;

  function fit(fig, width) {
    var layout = Object.assign({}, fig.layout || {});
    var config = Object.assign({}, fig.config || {});
    if ((width || window.innerWidth) < PHONE) {
      config.displayModeBar = false;
      var hasAxes = (fig.data || []).some(function (trace) {
        return trace.type !== "treemap" && trace.type !== "pie";
      });
      if (hasAxes && layout.showlegend !== false) {
        layout.legend = Object.assign({}, layout.legend || {}, {
          orientation: "h", x: 0, xanchor: "left", y: -0.22, yanchor: "top"
        });
        var margin = Object.assign({}, layout.margin || {});
        margin.t = Math.min(margin.t || 24, 24);
        margin.b = Math.max(margin.b || 0, 96);
        layout.margin = margin;
        layout.height = (layout.height || 360) + 40;
      }
    }
    return { data: fig.data, layout: layout, config: config };
  }

  window.kkbFitFigure = fit;
})();
