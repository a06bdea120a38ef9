// The lobby tablet's part of the outbox (imported by the worker, which keeps what a tablet
// without internet does): a check-in or a ticket made while the lobby had no internet, with
// the tablet's next offline ticket number. outbox.js sends them like any request.
(function (scope) {
  "use strict";
  var Outbox = scope.Outbox;

  function pad(n, width) { return String(n).padStart(width, "0"); }
  function localDay() {  // the tablet's calendar day (its clock is on Algiers time)
    var d = new Date();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1, 2) + "-" + pad(d.getDate(), 2);
  }

  // The next offline ticket number of this tablet today: a counter kept per prefix and day,
  // raised in one transaction (atomic between the pages and the worker), never lowered.
  function nextTicket(prefix, day, floor) {
    var key = "ticket:" + prefix + ":" + day;
    return Outbox.device(function (s) {
      var out = {}, get = s.get(key);
      get.onsuccess = function () {
        out.result = Math.max(get.result ? get.result.value : 0, floor) + 1;
        s.put({ key: key, value: out.result });
      };
      var cursor = s.openCursor();  // forget the counters of other days
      cursor.onsuccess = function () {
        var c = cursor.result;
        if (!c) return;
        var name = String(c.key);
        if (name.indexOf("ticket:") === 0 && name.slice(-day.length - 1) !== ":" + day) c["delete"]();
        c["continue"]();
      };
      return out;
    });
  }

  // A check-in or a ticket made while the lobby had no internet.
  Outbox.addKiosk = function (kind, form, lang) {
    var request = kind === "checkin" ? { reference: String(form.get("reference") || "").trim() }
      : { service: form.get("service"), task: form.get("task") };
    var today = localDay();
    var entry = { id: Outbox.uuid(), key: Outbox.uuid(), kind: kind, lang: lang, request: request, state: "queued",
                  attempts: 0, next: 0, created: Date.now(), day: today };
    if (kind !== "ticket") return Outbox.put(entry);
    var prefix = String(form.get("prefix") || "K");
    return Outbox.all().then(function (list) {
      // Numbers already in the outbox (from before the counter existed) are never given again.
      var floor = list.reduce(function (most, e) {
        var m = e.kind === "ticket" && e.day === today && String(e.request.number || "").match(/-(\d+)$/);
        return m && e.request.number.indexOf(prefix + "-") === 0 ? Math.max(most, +m[1]) : most;
      }, 0);
      return nextTicket(prefix, today, floor);
    }).then(function (n) {
      request.number = prefix + "-" + pad(n, 3);
      return Outbox.put(entry);
    });
  };
}(self));
