// The outbox: requests kept in IndexedDB until the server gives a definite answer.
// Shared by the pages and the service worker (importScripts). Each request carries an
// Idempotency-Key, so sending it twice (page and worker at once, a lost answer) books once.
//
// "sending" lives only as long as the attempt: the sender holds a Web Lock named after the
// entry (freed when the page or the worker goes away) and stores a lease (sendingUntil, for
// browsers without Web Locks). A "sending" entry whose lock is free, or
// whose lease has run out, is read as "queued", so a page closed in the middle of a send
// never leaves it stuck; the lock also keeps a page and the worker from sending it at once.
// A booking the server took is "held" until its SMS code is typed (confirm), never sent again.
(function (scope) {
  "use strict";
  var FIELDS = /^(csrf_token|key|service|task|agency|full_name|phone|email|ssn|date|time|fallback|first_day|last_day|period)$/;
  var DB = "cnas-outbox", STORE = "requests", WEEK = 7 * 24 * 3600 * 1000;
  // The tablet's own state, not the visitor's: the idle reset never touches this database.
  var DEVICE_DB = "cnas-device", COUNTERS = "counters";
  var LEASE = 30000;  // longer than the 20-second fetch timeout (post)
  var FINAL = { confirmed: 1, moved: 1, needs_choice: 1, refused: 1, expired: 1, held: 1, draft: 1 };
  var TO_ACT = { needs_choice: 1, held: 1 };  // nothing to send, something to do
  var PERSONAL = ["full_name", "phone", "email", "ssn"];
  var locks = scope.navigator && scope.navigator.locks;

  function open(name, store, keyPath) {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(name, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(store, { keyPath: keyPath }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function transact(name, store, keyPath, mode, work) {
    return open(name, store, keyPath).then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode), result;
        result = work(t.objectStore(store));
        t.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        t.onerror = function () { db.close(); reject(t.error); };
        t.onabort = function () { db.close(); reject(t.error); };
      });
    });
  }
  function tx(mode, work) { return transact(DB, STORE, "id", mode, work); }

  function uuid() {
    if (scope.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "k-" + Date.now() + "-" + Math.random().toString(36).slice(2);
  }

  // A random id of this app (nothing personal), for the server's per-device limit.
  function deviceId() {
    return Outbox.device(function (s) {
      var out = {}, get = s.get("device-id");
      get.onsuccess = function () {
        out.result = get.result ? get.result.value : uuid();
        s.put({ key: "device-id", value: out.result });
      };
      return out;
    })["catch"](function () { return ""; });
  }

  // -> { status (0: no answer), body, wait (Retry-After) }
  function post(url, headers, body, credentials) {
    var controller = scope.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, 20000);
    headers["Content-Type"] = "application/json";
    return fetch(url, { method: "POST", credentials: credentials || "omit", signal: controller && controller.signal,
                        headers: headers, body: JSON.stringify(body) }).then(function (response) {
      return response.json()["catch"](function () { return {}; }).then(function (json) {
        return { status: response.status, body: json || {}, wait: response.headers.get("Retry-After") };
      });
    }, function () { return { status: 0, body: {} }; }).then(function (answer) { clearTimeout(timer); return answer; });
  }

  function lockName(id) { return "cnas-outbox:" + id; }
  // Names of the locks held right now, in any page or worker of this site; null without Web Locks.
  function heldLocks() {
    if (!locks || !locks.query) return Promise.resolve(null);
    return locks.query().then(function (snapshot) {
      var held = {};
      (snapshot.held || []).forEach(function (lock) { held[lock.name] = 1; });
      return held;
    }, function () { return null; });
  }
  // A send is alive while its sender holds the lock (the browser frees it with the page or
  // worker); where there are no Web Locks, while its lease runs.
  function sendingNow(entry, held, now) {
    if (entry.state !== "sending") return false;
    return held ? !!held[lockName(entry.id)] : entry.sendingUntil > now;
  }
  // Run work() only if no other page or worker is sending this entry; null if one is.
  function exclusive(id, work) {
    if (!locks) return work();
    return locks.request(lockName(id), { ifAvailable: true }, function (lock) { return lock ? work() : null; });
  }

  var Outbox = {
    post: post, uuid: uuid,
    // The tablet's own store (outbox-kiosk.js: its offline ticket counters).
    device: function (work) { return transact(DEVICE_DB, COUNTERS, "key", "readwrite", work); },
    // Every entry, with a "sending" that no live attempt holds read as "queued".
    all: function () {
      return tx("readonly", function (s) { return s.getAll(); }).then(function (list) {
        return heldLocks().then(function (held) {
          var now = Date.now();
          return list.map(function (e) {
            if (e.state === "sending" && !sendingNow(e, held, now)) { e.state = "queued"; delete e.sendingUntil; }
            return e;
          });
        });
      });
    },
    get: function (id) { return tx("readonly", function (s) { return s.get(id); }); },
    put: function (entry) { return tx("readwrite", function (s) { s.put(entry); }).then(function () { return entry; }); },
    remove: function (id) { return tx("readwrite", function (s) { s["delete"](id); }); },
    clearPersonal: function () {
      // For the kiosk: keep what must still be sent, forget the rest. The tablet's own
      // counters (DEVICE_DB) are not the visitor's and stay.
      return Outbox.all().then(function (list) {
        return Promise.all(list.map(function (e) { return FINAL[e.state] ? Outbox.remove(e.id) : null; }));
      });
    },
    addFromForm: function (form, where) {
      var get = function (name) { var v = form.get(name); return v ? String(v).trim() : undefined; };
      var request = { agency: get("agency"), service: where.service, task: where.task, full_name: get("full_name"),
                      phone: get("phone"), email: get("email") };
      // Joining the waiting list (kind "waitlist"): the days and time of day instead of a slot.
      var fields = where.kind ? ["first_day", "last_day", "period"] : ["date", "time", "ssn", "fallback"];
      fields.forEach(function (name) { request[name] = get(name); });
      if (!where.kind) {
        request.fallback = request.fallback || "none";
        // The task page's checklist answers ride along by question (the server keeps its task's only).
        var answers = {}, count = 0, add = function (v, name) {
          if (!FIELDS.test(name) && name.length <= 64 && typeof v === "string" && v && count < 10) answers[name] = v.slice(0, 64), count++;
        };
        Object.keys(where.answers || {}).forEach(function (name) { add(where.answers[name], name); });
        form.forEach(add);
        if (count) request.answers = answers;
      }
      var entry = { id: uuid(), key: get("key") || uuid(), lang: where.lang, request: request, kind: where.kind,
                    state: where.state || "queued", attempts: 0, next: 0, created: Date.now() };
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
      options = options || {};
      if (FINAL[entry.state]) return Promise.resolve(entry);
      return Promise.resolve(exclusive(entry.id, function () {
        // Read it again once it is ours: another page or the worker may have settled it meanwhile.
        return Outbox.get(entry.id).then(function (current) {
          if (!current || FINAL[current.state]) return current;
          // Without Web Locks, a lease still running is someone else's attempt.
          if (!locks && current.state === "sending" && current.sendingUntil > Date.now()) return current;
          if (Date.now() - current.created > WEEK) { current.state = "expired"; delete current.sendingUntil; return Outbox.put(current); }
          if (!options.force && current.next > Date.now()) return current;
          if (current.limited > Date.now()) return current;  // 429: not before Retry-After
          current.state = "sending";
          current.sendingUntil = Date.now() + LEASE;
          return Outbox.put(current).then(Outbox.attempt);
        });
      })).then(function (result) { return result || entry; });
    },
    attempt: function (entry) {
      var kind = entry.kind, headers = { "Idempotency-Key": entry.key, "Accept-Language": entry.lang };
      if (kind === "application") {  // outbox-apply.js's, or else the worker's
        if (Outbox.sendApplication) return Outbox.sendApplication(entry, headers, LEASE);
        var sw = scope.navigator.serviceWorker;
        if (sw && sw.controller) sw.controller.postMessage({ type: "send-outbox" });
        return entry;
      }
      if (kind === "waitlist") return post("/api/v1/waitlist", headers, entry.request).then(settle);
      if (kind) return post("/api/v1/kiosk/" + kind + "s", headers, entry.request, "same-origin").then(settle);
      return deviceId().then(function (id) {
        if (id) headers["Device-Id"] = id;
        return post("/api/v1/appointments", headers, Object.assign({ queued: true }, entry.request));
      }).then(settle);
      function settle(answer) { return Outbox.settle(entry, answer); }
    },
    settle: function (entry, answer) {
      var status = answer.status, body = answer.body, error = body.error || {};
      if (status === 429) return Outbox.retry(entry, error.retry_after || answer.wait || 60);
      if (!status || status >= 500 || error.code === "idempotency_busy") return Outbox.retry(entry);
      delete entry.sendingUntil;
      if (status < 300 && entry.kind === "waitlist") {
        entry.state = "confirmed";
        entry.result = { reference: body.reference, waiting: body.position, agency: body.agency,
                         first_day: body.first_day, last_day: body.last_day };
        PERSONAL.forEach(function (k) { delete entry.request[k]; });
      } else if (status < 300 && entry.kind) {
        entry.state = "confirmed";
        entry.result = { reference: entry.request.number || "" };
      } else if (status < 300) {
        entry.state = body.status === "held" ? "held" : body.moved_to_nearby_slot ? "moved" : "confirmed";
        entry.result = { reference: body.reference, date: body.date, time: body.time, agency: body.agency,
                         hold_until: body.hold_until, moved: body.moved_to_nearby_slot };
        PERSONAL.forEach(function (k) { delete entry.request[k]; });
      } else {
        entry.state = error.code === "validation" ? "refused" : "needs_choice";
        entry.error = body.error || { code: "http_" + status, message: String(status) };
      }
      return Outbox.put(entry);
    },
    // Later: after `seconds` if the server said so (429), else after a growing wait.
    retry: function (entry, seconds) {
      entry.attempts += 1;
      entry.state = "queued";
      delete entry.sendingUntil;
      entry.next = Date.now() + (seconds ? seconds * 1000 : Math.min(5000 * Math.pow(2, entry.attempts), 300000));
      entry.limited = seconds ? entry.next : 0;
      return Outbox.put(entry);
    },
    pending: function () {
      return Outbox.all().then(function (list) {
        return list.filter(function (e) { return !FINAL[e.state] || TO_ACT[e.state]; }).length;
      });
    }
  };
  scope.Outbox = Outbox;
}(self));
