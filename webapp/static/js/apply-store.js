// What an application keeps on the phone (IndexedDB "cnas-apply"), for upload.js and
// offline-apply.js: "uploads", a file being sent in chunks until the server has it whole;
// "drafts", an application's answers and files as the person goes (key "service/task"), so that
// a lost network shows them back, and the kiosk's idle reset deletes the whole database.
// shrink(): a photo downscaled and re-encoded here (longest side <= 1600 px, <= 300 kB).
(function (scope) {
  "use strict";
  var MAX_SIDE = 1600, LIMIT = 300 * 1024;

  function tx(name, mode, work) {
    return new Promise(function (ok, ko) {
      var open = indexedDB.open("cnas-apply", 2);
      open.onupgradeneeded = function () {
        var db = open.result;
        if (!db.objectStoreNames.contains("uploads")) db.createObjectStore("uploads", { keyPath: "id" });
        if (!db.objectStoreNames.contains("drafts")) db.createObjectStore("drafts", { keyPath: "id" });
      };
      open.onerror = function () { ko(open.error); };
      open.onsuccess = function () {
        var db = open.result, t = db.transaction(name, mode), asked = work(t.objectStore(name));
        t.oncomplete = function () { db.close(); ok(asked && asked.result); };
        t.onerror = t.onabort = function () { db.close(); ko(t.error); };
      };
    });
  }

  function shrink(file, preparing) {  // createImageBitmap: no blob: URL to allow in the page's CSP
    if (!/^image\//.test(file.type) || file.size <= LIMIT || !scope.createImageBitmap) return Promise.resolve(file);
    if (preparing) preparing();
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

  function noop() {}
  scope.ApplyStore = {
    tx: tx, shrink: shrink,
    draft: function (id) {
      return tx("drafts", "readonly", function (s) { return s.get(id); }).then(function (d) {
        return d || { id: id, answers: {}, files: [] };
      }, function () { return { id: id, answers: {}, files: [] }; });
    },
    save: function (draft) { return tx("drafts", "readwrite", function (s) { s.put(draft); })["catch"](noop); },
    // Change a draft in one step (read, change, write), so two saves never undo each other.
    change: function (id, work) {
      return tx("drafts", "readwrite", function (s) {
        var get = s.get(id);
        get.onsuccess = function () {
          var draft = get.result || { id: id, answers: {}, files: [] };
          work(draft);
          s.put(draft);
        };
      })["catch"](noop);
    },
    forget: function (id) { return tx("drafts", "readwrite", function (s) { s["delete"](id); })["catch"](noop); }
  };

  // The online pages of an application: each answer goes into the phone's draft as it is sent,
  // and the confirmation page forgets the draft (it has arrived).
  if (!scope.document || !scope.indexedDB) return;
  var done = document.querySelector("[data-draft-done]");
  if (done) scope.ApplyStore.forget(done.getAttribute("data-draft-done"));
  var form = document.querySelector("form[data-draft][data-field]");
  if (form) form.addEventListener("submit", function (event) {
    var field = form.elements[form.dataset.field === "agency" ? "agency" : "answer"];
    var value = field && field.value;  // radio buttons: a RadioNodeList's value is the checked one
    if (!value) return;
    event.preventDefault();
    scope.ApplyStore.change(form.dataset.draft, function (d) {
      if (form.dataset.field === "agency") d.agency = value;
      else d.answers[form.dataset.field] = value;
    }).then(function () { form.submit(); });
  });
}(self));
