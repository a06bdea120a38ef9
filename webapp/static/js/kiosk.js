// Lobby tablet: after a quiet minute, ask "Are you still there?" (20 s, one tap to go on,
// WCAG 2.2.1), then forget the visitor: storage, their cookies, history; keep the offline
// catalog and requests that still have to be sent. Also: check in by showing the QR code.
(function () {
  "use strict";
  var body = document.body;
  var IDLE = (+body.dataset.idleSeconds || 60) * 1000, GRACE = 20;
  var overlay = document.getElementById("idle"), counter = document.getElementById("idle-count");
  var idleTimer = null, tick = null, left = GRACE;

  // Delete a whole IndexedDB database; settled either way (a connection still open delays it
  // until that connection's transaction ends: the stores close theirs after each one).
  function dropDatabase(name) {
    return new Promise(function (done) {
      if (!window.indexedDB) return done();
      var request = indexedDB.deleteDatabase(name);
      request.onsuccess = request.onerror = function () { done(); };
    });
  }

  function reset() {
    // The visitor's things go: storage, the requests already sent or never finished (outbox.js),
    // an application's answers and documents kept on the phone ("cnas-apply": drafts and photos
    // waiting to upload; apply-store.js), their cookies (the reset request). The tablet's own
    // state stays: the offline catalog (a tablet's worker keeps no trace of what was read), the
    // requests still to be sent, and its offline ticket counter in the "cnas-device" database
    // (see outbox.js), so a number printed before the reset is never printed again the same day.
    var jobs = [dropDatabase("cnas-apply")];
    try { localStorage.clear(); sessionStorage.clear(); } catch (e) {}
    if (window.Outbox) jobs.push(Outbox.clearPersonal().catch(function () {}));
    jobs.push(fetch(body.dataset.resetUrl, { method: "POST", credentials: "same-origin" }).catch(function () {}));
    Promise.all(jobs).then(function () { location.replace(body.dataset.startUrl); });
  }

  function countdown() {
    left -= 1;
    counter.textContent = left;
    if (left <= 0) { clearInterval(tick); reset(); }
  }

  function ask() {
    left = GRACE;
    counter.textContent = left;
    overlay.hidden = false;
    document.getElementById("idle-continue").focus();
    tick = setInterval(countdown, 1000);
  }

  function activity() {
    if (!overlay.hidden) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(ask, IDLE);
  }

  document.getElementById("idle-continue").addEventListener("click", function () {
    clearInterval(tick);
    overlay.hidden = true;
    activity();
  });
  ["pointerdown", "keydown", "touchstart", "scroll", "input"].forEach(function (name) {
    document.addEventListener(name, activity, { passive: true, capture: true });
  });
  activity();

  // The phone number typed for a queue SMS is the visitor's: gone once the ticket is printed,
  // and never brought back by the back button or the browser's form restore.
  function forgetTyped() {
    document.querySelectorAll("[data-forget]").forEach(function (field) { field.value = ""; });
  }
  window.addEventListener("afterprint", forgetTyped);
  window.addEventListener("pageshow", forgetTyped);

  // Back from a check-in or ticket made without connection: say so, show the number.
  var queued = new URLSearchParams(location.search).get("queued"), box = document.getElementById("queued");
  if (queued && box) {
    document.getElementById("queued-text").textContent = box.dataset[queued] || "";
    var number = new URLSearchParams(location.search).get("number");
    if (number) {
      document.getElementById("queued-number").textContent = number;
      document.getElementById("queued-print").hidden = false;
    }
    box.hidden = false;
  }

  // Check in by QR code where the browser can read one (BarcodeDetector), else type it.
  var scan = document.getElementById("scan");
  if (scan && "BarcodeDetector" in window && navigator.mediaDevices) {
    scan.parentNode.hidden = false;
    scan.addEventListener("click", function () {
      var video = document.getElementById("scan-video"), detector = new BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" } }).then(function (stream) {
        video.srcObject = stream; video.hidden = false; video.play();
        var tries = 0;
        (function look() {
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              stream.getTracks().forEach(function (t) { t.stop(); });
              document.getElementById("k-reference").value = codes[0].rawValue;
              document.getElementById("k-reference").form.submit();
            } else if (++tries < 300) { setTimeout(look, 200); }
            else { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; }
          }, function () {});
        }());
      }, function () {});
    });
  }
}());
