// A document's file from the phone, over a bad connection (the plain form works without this):
// a photo is downscaled and re-encoded here (longest side <= 1600 px, <= 300 kB), then the file
// goes in chunks through the resumable upload API. After a cut it asks the server how much
// arrived and goes on from there, never from 0. The bytes wait in IndexedDB ("cnas-apply")
// until the upload is complete, so a reload offers to resume it.
(function () {
  var form = document.getElementById("d-form"), say = document.getElementById("d-status");
  if (!form || !window.fetch || !window.indexedDB || !window.AbortController) return;
  var MAX_SIDE = 1600, LIMIT = 300 * 1024, CHUNK = 128 * 1024, TRIES = 8;
  var base = form.dataset.upload, csrf = form.querySelector("[name=csrf_token]").value;
  var input = form.querySelector("input[type=file]"), button = form.querySelector("button");
  var box = document.getElementById("d-sending"), bar = document.getElementById("d-bar");
  var text = say.dataset, noop = function () {};

  function store(mode, work) {
    return new Promise(function (ok, ko) {
      var open = indexedDB.open("cnas-apply", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("uploads", { keyPath: "id" }); };
      open.onerror = function () { ko(open.error); };
      open.onsuccess = function () {
        var db = open.result, t = db.transaction("uploads", mode), asked = work(t.objectStore("uploads"));
        t.oncomplete = function () { db.close(); ok(asked.result); };
        t.onerror = t.onabort = function () { db.close(); ko(t.error); };
      };
    });
  }
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

  function shrink(file) {  // createImageBitmap: no blob: URL to allow in the page's CSP
    if (!/^image\//.test(file.type) || file.size <= LIMIT || !window.createImageBitmap) return Promise.resolve(file);
    tell(text.preparing);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (image) {
      var canvas = document.createElement("canvas"), quality = 0.8;
      var scale = Math.min(1, MAX_SIDE / Math.max(image.width, image.height));
      function draw() {
        var context = canvas.getContext("2d");
        canvas.width = Math.round(image.width * scale);
        canvas.height = Math.round(image.height * scale);
        context.fillStyle = "#fff";  // a transparent PNG becomes white, not black
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
      }
      return new Promise(function (ok) {
        (function encode() {
          canvas.toBlob(function (blob) {
            if (!blob || blob.size <= LIMIT || scale < 0.2) return ok(blob || file);
            if (quality > 0.45) quality -= 0.1;
            else { quality = 0.7; scale *= 0.8; draw(); }
            encode();
          }, "image/jpeg", quality);
        })(draw());
      });
    })["catch"](function () { return file; });  // not an image it can read: the server will say why
  }

  function failed(upload, answer) {
    box.hidden = true;
    button.disabled = false;
    tell((answer.error && answer.error.message) || text.failed, true);
    if (upload) forget(upload.id);
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
        return forget(upload.id).then(function () { location.replace(form.action + location.search); });
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
    again.onclick = function () { say.textContent = ""; send(upload, -1); };
    say.appendChild(again);
  }

  form.addEventListener("submit", function (event) {
    var file = input.files[0];
    if (!file || file.size <= CHUNK) return;  // one request either way: the form posts it
    event.preventDefault();
    button.disabled = true;
    shrink(file).then(function (blob) {
      return ask("POST", base, JSON.stringify({ kind: form.dataset.kind, size: blob.size }), "application/json")
        .then(function (answer) {
          if (answer.status !== 201) return failed(null, answer);
          var upload = { id: answer.id, url: base + "/" + answer.id, page: location.pathname, name: file.name,
                         blob: blob, size: blob.size };
          CHUNK = Math.min(CHUNK, answer.chunk || CHUNK);
          return store("readwrite", function (s) { return s.put(upload); })["catch"](noop).then(function () {
            send(upload, 0);
          });
        });
    })["catch"](function () { failed(null, {}); });
  });

  store("readonly", function (s) { return s.getAll(); }).then(function (all) {
    var pending = all.filter(function (u) { return u.page === location.pathname; })[0];
    if (pending) offer(pending);
  }, noop);
})();
