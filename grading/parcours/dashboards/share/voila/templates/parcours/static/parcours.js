// Parcours dashboards, in the browser (see ../index.html.j2):
// - draws every <div class="parcours-plot" data-figure="{json}"> with plotly.js (the
//   cartesian bundle, loaded once). Figures arrive in the HTML page (first view) and in
//   widget outputs (after every filter or language change). A figure that came with a
//   picture drawn ahead by the server (an <svg> child, dashboards/prerender.py) shows it
//   until the browser is idle or the visitor points at it or focuses it; the others are
//   drawn as soon as plotly.js has loaded;
// - removes the first view (.parcours-first-view) once the page's root widget is live
//   (.parcours-live): the widgets then show the whole page;
// - asks at once for the scripts Voila's frontend will need (listed in
//   <script id="parcours-assets">, learned by the server: dashboards/assets.py), instead
//   of stage after stage;
// - keeps the address bar in step with the page (language, filters: a view can be
//   shared): the kernel writes the page's query into <span class="parcours-query">.
(function () {
  "use strict";
  // plotly.js' URL, with its version (set by the template: one place for both the
  // preload and this script)
  var plotlyUrl = document.currentScript ? document.currentScript.dataset.plotly : "";
  var state = "absent";  // absent -> loading -> ready
  var queued = false;
  var upgrade = false;   // pictures may be replaced by live figures
  var idleAsked = false;
  var shownQuery = null;

  function syncAddress() {
    var el = document.querySelector(".parcours-query");
    if (!el) return;
    var query = el.getAttribute("data-query") || "";
    if (query === shownQuery) return;
    shownQuery = query;
    var url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    window.history.replaceState(window.history.state, "", url);
  }

  function loadPlotly() {
    if (state !== "absent") return;
    state = "loading";
    var script = document.createElement("script");
    script.src = plotlyUrl;
    script.onload = function () { state = "ready"; changed(); };
    document.head.appendChild(script);
  }

  function draw() {
    queued = false;
    var plots = document.querySelectorAll(".parcours-plot:not([data-drawn])");
    for (var i = 0; i < plots.length; i++) {
      var el = plots[i];
      if (el.querySelector(":scope > svg") && !upgrade) continue;
      el.setAttribute("data-drawn", "1");
      try {
        var fig = JSON.parse(el.getAttribute("data-figure"));
        el.textContent = "";
        window.Plotly.newPlot(el, fig.data, fig.layout,
                              {responsive: true, displaylogo: false});
      } catch (err) {
        el.textContent = String(err);
        el.setAttribute("role", "alert");
      }
    }
  }

  function dropFirstView() {
    if (!document.querySelector(".parcours-live")) return;
    var old = document.querySelectorAll(".parcours-first-view");
    for (var i = 0; i < old.length; i++) {
      var el = old[i];
      var child = el.closest(".jp-OutputArea-child");
      (child || el).remove();
    }
  }

  function liven() {
    upgrade = true;
    loadPlotly();
    changed();
  }

  function changed() {
    dropFirstView();
    syncAddress();
    var waiting = document.querySelectorAll(".parcours-plot:not([data-drawn])");
    if (!waiting.length) return;
    var bare = false;
    for (var i = 0; i < waiting.length && !bare; i++) {
      bare = !waiting[i].querySelector(":scope > svg");
    }
    if (bare) loadPlotly();
    // pictures: liven them once the widgets have come (Voila's frontend has started)
    if (!bare && !upgrade && !idleAsked && document.querySelector(".parcours-root")) {
      idleAsked = true;
      (window.requestIdleCallback || window.setTimeout)(liven, {timeout: 2000});
    }
    if (state === "ready" && !queued) {
      queued = true;
      window.requestAnimationFrame(draw);
    }
  }

  function preloadScripts() {
    var listed = document.getElementById("parcours-assets");
    var uris = [];
    try { uris = JSON.parse(listed ? listed.textContent : "[]"); } catch (err) { return; }
    for (var i = 0; i < uris.length; i++) {
      var link = document.createElement("link");
      link.rel = "preload";
      link.as = "script";
      link.href = uris[i];
      link.fetchPriority = "low";  // after the page's own style and scripts
      document.head.appendChild(link);
    }
  }

  preloadScripts();  // at once (async script); low priority: the page's style comes first
  ["pointerover", "focusin"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      if (!upgrade && event.target.closest && event.target.closest(".parcours-plot")) liven();
    }, true);
  });
  new MutationObserver(changed).observe(document.documentElement,
                                        {childList: true, subtree: true, attributes: true,
                                         attributeFilter: ["class"]});
  changed();
})();
