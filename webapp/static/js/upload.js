// A document's file from the phone, over a bad connection (the plain form works without this):
// a photo is downscaled and re-encoded here (apply-store.js), then the file goes in chunks
// through the resumable upload API. After a cut it asks the server how much arrived and goes on
// from there, never from 0. The bytes wait in IndexedDB ("cnas-apply") until the upload is
// complete, so a reload offers to resume it; then the draft kept on the phone holds a copy.
(function () {
  var form = document.getElementById("d-form"), say = document.getElementById("d-status");
  if (!form || !window.fetch || !window.indexedDB || !window.AbortController || !window.ApplyStore) return;
  var CHUNK = 128 * 1024, TRIES = 8, draft = form.dataset.draft;
  var base = form.dataset.upload, csrf = form.querySelector("[name=csrf_token]").value;
  var input = form.querySelector("input[type=file]"), button = form.querySelector("button");
  var box = document.getElementById("d-sending"), bar = document.getElementById("d-bar");
  var text = say.dataset, noop = function () {};

  function store(mode, work) { return ApplyStore.tx("uploads", mode, work); }
  function forget(id) { return store("readwrite", function (s) { return s.delete(id); })["catch"](noop); }

  function tell(message, error) {
    say.className = error ? "error" : "";
    say.textContent = message;
  }

  // One request; a JSON answer with its status, or a rejection for a cut, a timeout or a 5xx.
  function ask(method, url, body, type) {
    var stop = new AbortController(), timer = setTimeout(function () { stop.abort(); }, 30000);
    var headers = { "X-CSRFToken": csrf, "Accept": "application/json" };
    if (type) headers["Content-Type"] = type;
    return fetch(url, { method: method, body: body, headers: headers, credentials: "same-origin",
                        signal: stop.signal }).then(function (response) {
      if (response.status >= 500) throw new Error(response.status);
      return response.json()["catch"](function () { return {}; }).then(function (json) {
        clearTimeout(timer);
        json.status = response.status;
        return json;
      });
    });
  }

  // The draft kept on the phone holds every file from the moment it is chosen: a network lost
  // before the end leaves it there, for the phone's application form (offline-apply.js).
  // work(the file kept under this id, or undefined) -> the file to keep, or null to drop it.
  function drafted(id, work) {
    return ApplyStore.change(draft, function (d) {
      var kept = work(d.files.filter(function (f) { return f.id === id; })[0]);
      d.files = d.files.filter(function (f) { return f.id !== id; }).concat(kept ? [kept] : []);
    });
  }
  function failed(upload, answer, file) {
    box.hidden = true;
    button.disabled = false;
    tell((answer.error && answer.error.message) || text.failed, true);
    if (upload) forget(upload.id);
    drafted(upload ? upload.file : file, function () { return null; });  // refused: not kept
  }

  function send(upload, offset) {
    var tries = 0;
    function progress(at) {
      box.hidden = false;
      bar.value = Math.round(100 * at / upload.size);
      tell(text.sending + " " + bar.value + " %");
    }
    function answered(answer) {
      if (answer.document) {
        bar.value = 100;
        return drafted(upload.file, function (f) { if (f) f.doc = answer.document; return f; }).then(function () {
          return forget(upload.id);
        }).then(function () {
          location.replace(form.action + location.search);
        });
      }
      if ((answer.status === 200 || answer.status === 409) && typeof answer.received === "number") {
        return put(answer.received);
      }
      failed(upload, answer);
    }
    function put(at) {
      progress(at);
      ask("PUT", upload.url + "?offset=" + at, upload.blob.slice(at, at + CHUNK), "application/octet-stream")
        .then(function (answer) { tries = 0; answered(answer); }, retry);
    }
    function resume() {  // where to go on is what the server has, not what this phone sent
      ask("GET", upload.url).then(answered, retry);
    }
    function retry() {
      if (++tries > TRIES) return offer(upload);
      tell(text.waiting);
      setTimeout(resume, Math.min(30000, 1000 * Math.pow(2, tries)));
    }
    button.disabled = true;
    if (offset === 0) put(0);
    else resume();
  }

  function offer(upload) {  // a pending upload (after a reload or too many cuts): one button
    var again = document.createElement("button");
    box.hidden = true;
    tell("");
    again.type = "button";
    again.textContent = text.resume + " " + upload.name;
    again.onclick = function () { say.textContent = ""; if (upload.go) upload.go(); else send(upload, -1); };
    say.appendChild(again);
  }

  function begin(blob, name, mine) {
    return ask("POST", base, JSON.stringify({ kind: form.dataset.kind, size: blob.size }), "application/json")
      .then(function (answer) {
        if (answer.status !== 201) return failed(null, answer, mine);
        var upload = { id: answer.id, url: base + "/" + answer.id, page: location.pathname, name: name,
                       blob: blob, size: blob.size, file: mine };
        CHUNK = Math.min(CHUNK, answer.chunk || CHUNK);
        return store("readwrite", function (s) { return s.put(upload); })["catch"](noop).then(function () {
          send(upload, 0);
        });
      }, function () {  // no network: the file waits in the draft (chosen once: not twice)
        box.hidden = true;
        button.disabled = false;
        input.value = "";
        tell(text.kept);
      });
  }

  form.addEventListener("submit", function (event) {
    var file = input.files[0], mine = "f-" + Date.now() + "-" + Math.random().toString(36).slice(2);
    if (!file) return;
    event.preventDefault();
    button.disabled = true;
    ApplyStore.shrink(file, function () { tell(text.preparing); }).then(function (blob) {
      return drafted(mine, function () {
        return { id: mine, kind: form.dataset.kind, name: file.name, type: blob.type, size: blob.size, blob: blob };
      }).then(function () { return begin(blob, file.name, mine); });
    })["catch"](function () { failed(null, {}, mine); });
  });

  // A file removed here is removed from the phone's copy of the draft too.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-doc]"), function (remove) {
    remove.addEventListener("submit", function (event) {
      event.preventDefault();
      ApplyStore.change(draft, function (d) {
        d.files = d.files.filter(function (f) { return String(f.doc) !== remove.dataset.doc; });
      }).then(function () { remove.submit(); });
    });
  });

  // After a reload: a file on its way is offered again; else one kept on the phone without network.
  store("readonly", function (s) { return s.getAll(); }).then(function (all) {
    var pending = all.filter(function (u) { return u.page === location.pathname; })[0];
    if (pending) return offer(pending);
    return ApplyStore.draft(draft).then(function (d) {
      var kept = d.files.filter(function (f) { return f.kind === form.dataset.kind && !f.doc; })[0];
      if (kept) offer({ name: kept.name, go: function () { button.disabled = true; begin(kept.blob, kept.name, kept.id); } });
    });
  }, noop);
})();
