/* Draw every [data-plotly] element with plotly.js: on load and after htmx swaps.
   The figure JSON sits in the attribute, so no inline script is needed. */
(function () {
  "use strict";
  function draw(root) {
    if (typeof window.Plotly === "undefined" || !root.querySelectorAll) return;
    root.querySelectorAll("[data-plotly]:not([data-drawn])").forEach(function (el) {
      var figure = JSON.parse(el.getAttribute("data-plotly"));
      el.setAttribute("data-drawn", "");
      window.Plotly.newPlot(el, figure.data, figure.layout, figure.config || {});
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
