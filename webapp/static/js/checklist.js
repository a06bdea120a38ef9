// The document checklist: ticks kept in localStorage (this device only, never sent), and a
// print button. Works on the checklist however it arrived: first load or htmx swap. Also the
// task page's estimates when the network is gone.
(function () {
  "use strict";
  var PREFIX = "cnas:ticks:";

  function load(key) {
    try { return JSON.parse(localStorage.getItem(PREFIX + key)) || []; } catch (e) { return []; }
  }

  function store(key, values) {
    try {
      if (values.length) localStorage.setItem(PREFIX + key, JSON.stringify(values));
      else localStorage.removeItem(PREFIX + key);
    } catch (e) { /* storage full or disabled: ticks just won't persist */ }
  }

  function boxes(list) {
    return Array.prototype.slice.call(list.querySelectorAll("input[type=checkbox]"));
  }

  function restore() {
    document.querySelectorAll("[data-ticks]").forEach(function (list) {
      var ticked = load(list.dataset.ticks);
      boxes(list).forEach(function (box) { box.checked = ticked.indexOf(box.value) !== -1; });
      list.querySelectorAll(".ticks-help").forEach(function (el) { el.hidden = false; });
    });
    document.querySelectorAll(".print-only-js").forEach(function (el) { el.hidden = false; });
  }

  document.addEventListener("change", function (event) {
    var list = event.target.closest && event.target.closest("[data-ticks]");
    if (!list || event.target.type !== "checkbox") return;
    var shown = boxes(list);
    var values = shown.map(function (box) { return box.value; });
    // Keep ticks of documents hidden by the current answers; replace those shown.
    var kept = load(list.dataset.ticks).filter(function (v) { return values.indexOf(v) === -1; });
    store(list.dataset.ticks, kept.concat(shown.filter(function (b) { return b.checked; })
      .map(function (b) { return b.value; })));
  });

  // The answers narrowing the checklist go with "Book an appointment" (the server writes them
  // into the link on a full page; an htmx swap only refreshes the checklist).
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form.narrow");
    if (!form) return;
    document.querySelectorAll("a[data-book]").forEach(function (link) {
      var url = new URL(link.href);
      form.querySelectorAll("input[type=radio]:checked").forEach(function (radio) {
        url.searchParams.set(radio.name, radio.value);
      });
      link.href = url.pathname + url.search;
    });
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.matches("[data-clear-ticks]")) {
      var list = target.closest("[data-ticks]");
      store(list.dataset.ticks, []);
      boxes(list).forEach(function (box) { box.checked = false; });
    } else if (target.matches("[data-print]")) {
      window.print();
    }
  });

  // Estimates without network: js/estimator.js (kept by the worker) loads on first use.
  function estimate(box) {
    if (window.cnasEstimate) return cnasEstimate(box);
    var script = document.createElement("script");
    script.src = box.dataset.script;
    script.onload = function () { cnasEstimate(box); };
    document.head.appendChild(script);
  }
  addEventListener("submit", function (event) {
    var box = event.target.closest("[data-estimator]");
    if (!box || navigator.onLine) return;
    event.preventDefault(); event.stopPropagation(); estimate(box);
  }, true);
  document.addEventListener("htmx:sendError", function (event) {
    var box = event.detail.elt.closest("[data-estimator]");
    if (box) estimate(box);
  });

  document.addEventListener("DOMContentLoaded", restore);
  document.addEventListener("htmx:afterSettle", restore);
}());
