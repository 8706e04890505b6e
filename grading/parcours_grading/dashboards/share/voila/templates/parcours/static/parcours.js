// Parcours dashboards: draws every <div class="parcours-plot" data-figure="{json}"> with
// plotly.js (cartesian bundle, loaded once), as soon as both exist: figures arrive in
// widget outputs at any time (first view, then every filter or language change).
(function () {
  "use strict";
  var here = document.currentScript ? document.currentScript.src : "";
  var base = here.slice(0, here.lastIndexOf("/") + 1);
  var ready = false;
  var queued = false;

  function draw() {
    queued = false;
    var plots = document.querySelectorAll(".parcours-plot:not([data-drawn])");
    for (var i = 0; i < plots.length; i++) {
      var el = plots[i];
      el.setAttribute("data-drawn", "1");
      try {
        var fig = JSON.parse(el.getAttribute("data-figure"));
        window.Plotly.newPlot(el, fig.data, fig.layout,
                              {responsive: true, displaylogo: false});
      } catch (err) {
        el.textContent = String(err);
        el.setAttribute("role", "alert");
      }
    }
  }

  function schedule() {
    if (ready && !queued) {
      queued = true;
      window.requestAnimationFrame(draw);
    }
  }

  var script = document.createElement("script");
  script.src = base + "plotly-cartesian.min.js";
  script.onload = function () { ready = true; schedule(); };
  document.head.appendChild(script);
  new MutationObserver(schedule).observe(document.documentElement,
                                         {childList: true, subtree: true});
})();
