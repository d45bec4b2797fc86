// Draws every element with a data-chart attribute (an ECharts option as JSON) once the page loads.
// Kept out of the page because the CSP allows no inline script.
(function () {
  function draw() {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      el.style.height = (el.dataset.height || "280") + "px"; // CSSOM, allowed by the CSP
      var option = JSON.parse(el.getAttribute("data-chart"));
      option.animation = false; // screenshots and tests see the final picture at once
      echarts.init(el, null, { renderer: "svg" }).setOption(option);
      el.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSwap", draw);
})();
