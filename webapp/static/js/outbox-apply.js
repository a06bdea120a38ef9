// The outbox's sender of online applications (outbox.js keeps them; the worker imports both).
(function (scope) {
  "use strict";
  var Outbox = scope.Outbox;

  // One chunk of a file (PUT): the same answer's shape as post().
  function put(url, headers, blob) {
    var controller = scope.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, 30000);
    return fetch(url, { method: "PUT", credentials: "omit", signal: controller && controller.signal, body: blob,
                        headers: Object.assign({}, headers, { "Content-Type": "application/octet-stream" }) })
      .then(function (response) {
        return response.json()["catch"](function () { return {}; }).then(function (json) {
          return { status: response.status, body: json || {} };
        });
      }, function () { return { status: 0, body: {} }; }).then(function (answer) { clearTimeout(timer); return answer; });
  }

  // An application filled in without network: the whole of it (the same key: the same
  // application), then each file from where the server has it, then the SMS code ("held"
  // until the person types it on "My requests"). A cut anywhere: later, from where it stopped.
  Outbox.sendApplication = function (entry, headers, lease) {
    var files = entry.files || [], sent = 0, total = files.reduce(function (n, f) { return n + f.size; }, 0);
    var request = Object.assign({}, entry.request, { documents: files.map(function (f) {
      return { kind: f.kind, size: f.size }; }) });
    function refused(answer) {
      if (!answer.status || answer.status >= 500 || answer.status === 429) return Outbox.settle(entry, answer);
      delete entry.sendingUntil;
      entry.state = "refused";
      var error = entry.error = answer.body.error || { code: "http_" + answer.status, message: String(answer.status) };
      Object.keys(error.fields || {}).forEach(function (name) { error.message += " " + error.fields[name][0]; });
      return Outbox.put(entry);
    }
    function file(upload, blob, chunk) {  // -> null when whole, else the answer that stopped it
      var at = upload.received;
      function next() {
        if (at >= upload.size) return Promise.resolve(null);
        entry.progress = Math.round(100 * (sent + at) / total);
        entry.sendingUntil = Date.now() + lease;
        return Outbox.put(entry).then(function () {
          return put("/api/v1/applications/uploads/" + upload.id + "?offset=" + at, headers, blob.slice(at, at + chunk));
        }).then(function (answer) {
          if ((answer.status === 200 || answer.status === 409) && typeof answer.body.received === "number") {
            at = answer.body.received;
            return next();
          }
          return answer;
        });
      }
      return next().then(function (stopped) { sent += upload.size; return stopped; });
    }
    return Outbox.post("/api/v1/applications", headers, request).then(function (answer) {
      var body = answer.body;
      if (answer.status !== 200 && answer.status !== 201) return refused(answer);
      return body.uploads.reduce(function (chain, upload, i) {
        return chain.then(function (stopped) {
          return stopped || (upload.done ? (sent += upload.size, null) : file(upload, files[i].blob, body.chunk));
        });
      }, Promise.resolve(null)).then(function (stopped) {
        if (stopped) return refused(stopped);
        if (body.status !== "draft") return arrived(answer);  // confirmed already (from another page)
        return Outbox.post("/api/v1/applications/code", headers, { phone: entry.request.phone }).then(function (asked) {
          return asked.status === 202 ? arrived(asked) : refused(asked);
        });
      });
    });
    function arrived(answer) {  // the files are on the server: only what the person sees is kept
      delete entry.sendingUntil;
      delete entry.progress;
      entry.state = answer.body.status === "draft" ? "held" : "confirmed";
      entry.result = { reference: answer.body.reference, status_url: answer.body.status_url };
      entry.files = files.map(function (f) { return { kind: f.kind, name: f.name, size: f.size }; });
      return Outbox.put(entry);
    }
  };
}(self));
