// The progressive part of every page: service worker, offline copy notice, update prompt,
// the outbox badge and list, and a polite install offer. Small on purpose.
(function () {
  "use strict";
  var root = document.documentElement, lang = root.lang;
  var texts = function () { return document.getElementById("texts").dataset; };
  var bar = function (message, button, action) {
    var el = document.getElementById("app-bar");
    el.textContent = message + " ";
    if (button) {
      var b = document.createElement("button");
      b.type = "button"; b.textContent = button; b.addEventListener("click", action);
      el.appendChild(b);
    }
    el.hidden = false;
  };

  // --- offline copy notice
  function markOfflineCopy() {
    var when = root.dataset.offlineCopy;
    if (when === undefined) return;
    var date = when ? new Date(when) : null;
    var shown = date && !isNaN(date) ? date.toLocaleString(lang === "ar" ? "ar-DZ" : lang + "-DZ",
      { dateStyle: "medium", timeStyle: "short", hour12: false }) : "";
    bar(texts().offlineCopy.replace("%(date)s", shown));
  }

  // --- a question only a request kept offline needs ("if this time is taken")
  function offlineOnly() {
    document.querySelectorAll("[data-offline-only]").forEach(function (el) { el.hidden = navigator.onLine; });
  }
  window.addEventListener("offline", offlineOnly);

  // --- outbox: badge, list, sending
  function refreshOutbox() {
    if (!window.Outbox) return;
    Outbox.pending().then(function (count) {
      document.querySelectorAll("[data-outbox-badge]").forEach(function (b) {
        b.textContent = count; b.hidden = !count;
      });
    });
    if (window.renderOutbox) window.renderOutbox();
  }
  function sendOutbox(force) {
    if (!window.Outbox) return;
    Outbox.sendAll({ force: !!force }).then(refreshOutbox, refreshOutbox);
  }
  window.sendOutbox = sendOutbox;
  window.addEventListener("online", function () { sendOutbox(true); });

  // --- service worker: register after the page is shown, then keep the catalog
  function startWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register("/sw.js").then(function (reg) {
      function offer(worker) {
        bar(texts().newVersion, texts().reload, function () { worker.postMessage({ type: "skip-waiting" }); });
      }
      function watch(worker) {
        if (!worker) return;
        worker.addEventListener("statechange", function () {
          if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
        });
      }
      // The browser may have found the new version while loading this page, before this ran.
      if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
      watch(reg.installing);
      reg.addEventListener("updatefound", function () { watch(reg.installing); });
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      reg.active.postMessage({ type: "precache", lang: lang });
    }).catch(function () {});
    var reloading = false;
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (root.dataset.updating && !reloading) { reloading = true; location.reload(); }
    });
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "precached" && data.lang === lang) root.dataset.precached = lang;
      if (data.type === "outbox-changed") refreshOutbox();
    });
  }

  // --- install: offered from the second visit on, never on the first
  var installEvent = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    installEvent = event;
    var visits = 0;
    try { visits = +localStorage.getItem("cnas:visits") || 0; } catch (e) {}
    if (visits >= 2) bar(texts().install, texts().installButton, function () {
      installEvent.prompt(); document.getElementById("app-bar").hidden = true;
    });
  });

  window.addEventListener("load", function () {
    if (!document.body.classList.contains("kiosk")) {  // a lobby tablet keeps nothing per visitor
      try { localStorage.setItem("cnas:visits", String((+localStorage.getItem("cnas:visits") || 0) + 1)); } catch (e) {}
    }
    markOfflineCopy();
    offlineOnly();
    refreshOutbox();
    if (navigator.onLine) sendOutbox(false);
    setTimeout(startWorker, 0);
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("#app-bar button")) root.dataset.updating = "1";
  });
}());
