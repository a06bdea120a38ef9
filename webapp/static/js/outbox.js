// The outbox: booking requests kept in IndexedDB until the server gives a definite answer.
// Shared by the pages and the service worker (importScripts). Each request carries an
// Idempotency-Key, so sending it twice (page and worker at once, a lost answer) books once.
(function (scope) {
  "use strict";
  var DB = "cnas-outbox", STORE = "requests", WEEK = 7 * 24 * 3600 * 1000;
  var FINAL = { confirmed: 1, moved: 1, needs_choice: 1, refused: 1, expired: 1 };
  var PERSONAL = ["full_name", "phone", "email", "ssn"];

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "id" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), result;
        result = work(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }

  function uuid() {
    if (scope.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "k-" + Date.now() + "-" + Math.random().toString(36).slice(2);
  }

  var Outbox = {
    all: function () { return tx("readonly", function (s) { return s.getAll(); }); },
    put: function (entry) { return tx("readwrite", function (s) { s.put(entry); }).then(function () { return entry; }); },
    remove: function (id) { return tx("readwrite", function (s) { s["delete"](id); }); },
    clearPersonal: function () {
      // For the kiosk: keep what must still be sent, forget the rest.
      return Outbox.all().then(function (list) {
        return Promise.all(list.map(function (e) { return FINAL[e.state] ? Outbox.remove(e.id) : null; }));
      });
    },
    addKiosk: function (kind, form, lang) {
      // A check-in or a ticket made while the lobby had no internet.
      var request = kind === "checkin" ? { reference: String(form.get("reference") || "").trim() }
        : { service: form.get("service"), task: form.get("task") };
      var today = new Date().toISOString().slice(0, 10);
      return Outbox.all().then(function (list) {
        var entry = { id: uuid(), key: uuid(), kind: kind, lang: lang, request: request, state: "queued",
                      attempts: 0, next: 0, created: Date.now(), day: today };
        if (kind === "ticket") {
          var issued = list.filter(function (e) { return e.kind === "ticket" && e.day === today; }).length;
          request.number = String(form.get("prefix") || "K") + "-" + String(issued + 1).padStart(3, "0");
        }
        return Outbox.put(entry);
      });
    },
    addFromForm: function (form, where) {
      var get = function (name) { var v = form.get(name); return v ? String(v).trim() : undefined; };
      var request = { agency: get("agency"), service: where.service, task: where.task, date: get("date"),
                      time: get("time"), full_name: get("full_name"), phone: get("phone"),
                      email: get("email"), ssn: get("ssn"), fallback: get("fallback") || "none" };
      var entry = { id: uuid(), key: get("key") || uuid(), lang: where.lang, request: request,
                    state: "queued", attempts: 0, next: 0, created: Date.now() };
      return Outbox.put(entry);
    },
    sendAll: function (options) {
      return Outbox.all().then(function (list) {
        return list.reduce(function (chain, entry) {
          return chain.then(function () { return Outbox.send(entry, options || {}); });
        }, Promise.resolve());
      });
    },
    send: function (entry, options) {
      if (FINAL[entry.state]) return Promise.resolve(entry);
      if (Date.now() - entry.created > WEEK) { entry.state = "expired"; return Outbox.put(entry); }
      if (!options.force && entry.next > Date.now()) return Promise.resolve(entry);
      entry.state = "sending";
      return Outbox.put(entry).then(function () {
        var controller = scope.AbortController ? new AbortController() : null;
        var timer = setTimeout(function () { if (controller) controller.abort(); }, 20000);
        var kiosk = entry.kind === "checkin" || entry.kind === "ticket";
        var url = kiosk ? "/api/v1/kiosk/" + entry.kind + "s" : "/api/v1/appointments";
        return fetch(url, {
          method: "POST", credentials: kiosk ? "same-origin" : "omit", signal: controller && controller.signal,
          headers: { "Content-Type": "application/json", "Idempotency-Key": entry.key,
                     "Accept-Language": entry.lang },
          body: JSON.stringify(entry.request)
        }).then(function (response) {
          clearTimeout(timer);
          return response.json().catch(function () { return {}; }).then(function (body) {
            return Outbox.settle(entry, response.status, body);
          });
        }, function () { clearTimeout(timer); return Outbox.retry(entry); });
      });
    },
    settle: function (entry, status, body) {
      var code = body && body.error && body.error.code;
      if (status >= 500 || status === 429 || code === "idempotency_busy") return Outbox.retry(entry);
      if (status >= 200 && status < 300 && entry.kind) {
        entry.state = "confirmed";
        entry.result = { reference: entry.request.number || "" };
      } else if (status >= 200 && status < 300) {
        entry.state = body.moved_to_nearby_slot ? "moved" : "confirmed";
        entry.result = { reference: body.reference, date: body.date, time: body.time, agency: body.agency };
        PERSONAL.forEach(function (k) { delete entry.request[k]; });
      } else {
        entry.state = code === "validation" ? "refused" : "needs_choice";
        entry.error = body.error || { code: "http_" + status, message: String(status) };
      }
      return Outbox.put(entry);
    },
    retry: function (entry) {
      entry.attempts += 1;
      entry.state = "queued";
      entry.next = Date.now() + Math.min(5000 * Math.pow(2, entry.attempts), 300000);
      return Outbox.put(entry);
    },
    rebook: function (entry, date, time) {
      // A new choice after "needs your choice": a new request, so a new key.
      entry.request.date = date; entry.request.time = time;
      entry.key = uuid(); entry.state = "queued"; entry.next = 0; entry.attempts = 0;
      delete entry.error;
      return Outbox.put(entry);
    },
    pending: function () {
      return Outbox.all().then(function (list) {
        return list.filter(function (e) { return !FINAL[e.state] || e.state === "needs_choice"; }).length;
      });
    }
  };
  scope.Outbox = Outbox;
}(self));
