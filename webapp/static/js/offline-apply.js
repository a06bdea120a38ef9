// An online application without network (pwa/apply.html). The worker shows the page for
// /<lang>/apply/<service>/<task>/... (or ?task=service/task): the form of that procedure, filled
// from the draft kept on the phone (answers and files given so far, online or here). Every
// change is kept there at once; "Send when online" checks it like the online pages, then puts
// the whole application, files included, in the outbox, which sends it when the network is back.
(function () {
  "use strict";
  var lang = document.documentElement.lang;
  var path = location.pathname.match(/^\/\w\w\/apply\/([^/]+)\/([^/]+)/);
  var id = path ? path[1] + "/" + path[2] : new URLSearchParams(location.search).get("task");
  var form = Array.prototype.filter.call(document.querySelectorAll(".oa-form"), function (f) {
    return f.dataset.service + "/" + f.dataset.task === id;
  })[0];
  if (!form || !window.indexedDB || !window.ApplyStore || !window.Outbox) return;
  var $ = function (id) { return document.getElementById(id); };
  var t = form.dataset, summary = $("oa-errors"), say = form.querySelector(".oa-status");
  var shown = t.shown ? JSON.parse(t.shown) : null, narrowing = t.narrowing ? t.narrowing.split(" ") : [];
  var docs = form.querySelectorAll(".oa-doc"), files = [], title = t.title;
  $("oa-links").hidden = true;
  $("oa-notice").hidden = false;
  $("oa-title").textContent = document.title = title;
  form.hidden = false;

  function ascii(text) {  // Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits, as ASCII
    return text.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, function (c) { return String(c.charCodeAt(0) & 15); });
  }
  function phone() {  // as the server writes it: 0XXXXXXXXX, or +<country><number> where abroad is accepted
    var typed = ascii(String(form.elements.phone.value)).replace(/[\s.\-()]/g, "").replace(/^00/, "+");
    var local = typed.replace(/^\+213/, "0");
    if (/^0[567]\d{8}$/.test(local)) return local;
    return t.abroad && /^\+[1-9]\d{7,14}$/.test(typed) ? typed : "";
  }
  function answers() {
    var found = {};
    form.querySelectorAll("[data-question]").forEach(function (q) {
      var name = "q:" + q.dataset.question, field = form.elements[name];
      found[q.dataset.question] = String(field.value || "").trim();
    });
    return found;
  }
  // The documents these answers ask for (some depend on the checklist's questions).
  function wanted() {
    var given = answers(), key = narrowing.map(function (q) { return given[q]; }).join(" "), ids = null;
    if (shown) {
      ids = shown[key];
      if (!ids) {  // not all answered yet: the documents every answer asks for
        var lists = Object.keys(shown).map(function (k) { return shown[k]; });
        ids = lists[0].filter(function (d) { return lists.every(function (l) { return l.indexOf(d) >= 0; }); });
      }
    }
    docs.forEach(function (fieldset) { fieldset.hidden = ids ? ids.indexOf(fieldset.dataset.kind) < 0 : false; });
  }

  function keep() {
    var given = answers(), agency = form.elements.agency.value, typed = form.elements.phone.value;
    return ApplyStore.change(id, function (d) {
      Object.keys(given).forEach(function (q) { if (given[q]) d.answers[q] = given[q]; else delete d.answers[q]; });
      d.agency = agency;
      d.phone = typed;
    });
  }

  function size(bytes) { return Math.max(1, Math.round(bytes / 1024)) + " kB"; }
  function drawFiles() {
    docs.forEach(function (fieldset) {
      var ul = fieldset.querySelector("ul"), mine = files.filter(function (f) { return f.kind === fieldset.dataset.kind; });
      var input = fieldset.querySelector("input[type=file]");
      ul.innerHTML = "";
      mine.forEach(function (f, i) {
        var li = document.createElement("li"), remove = document.createElement("button"), hidden = document.createElement("span");
        var bytes = document.createElement("bdi");  // "15 kB" stays in that order in Arabic
        bytes.textContent = size(f.size);
        li.textContent = (/^image\//.test(f.type) ? t.photo : "PDF") + ", ";
        li.appendChild(bytes);
        li.appendChild(document.createTextNode(" "));
        remove.type = "button";
        remove.className = "link";
        remove.textContent = t.remove;
        hidden.className = "sr-only";
        hidden.textContent = " (" + (i + 1) + ")";
        remove.appendChild(hidden);
        remove.addEventListener("click", function () {
          ApplyStore.change(id, function (d) {
            d.files = d.files.filter(function (x) { return x.id !== f.id; });
          }).then(load);
        });
        li.appendChild(remove);
        ul.appendChild(li);
      });
      input.disabled = mine.length >= +fieldset.dataset.max;
    });
  }

  function load() {
    return ApplyStore.draft(id).then(function (d) {
      files = d.files || [];
      drawFiles();
      return d;
    });
  }

  // The GOV.UK pattern, as online: a summary with a link to each field, the message at the field.
  function check() {
    var problems = [], given = answers();
    form.querySelectorAll("[data-question]").forEach(function (q) {
      if (!given[q.dataset.question]) problems.push([q, t.required]);
    });
    if (!form.elements.agency.value) problems.push([form.elements.agency.parentNode, t.agency]);
    docs.forEach(function (fieldset) {
      var count = files.filter(function (f) { return f.kind === fieldset.dataset.kind; }).length;
      if (fieldset.hidden) return;
      if (fieldset.dataset.required && !count) problems.push([fieldset, t.file]);
      if (count > +fieldset.dataset.max) problems.push([fieldset, t.many]);
    });
    if (!form.elements.declaration.checked) problems.push([form.elements.declaration.closest(".field"), t.declaration]);
    if (!phone()) problems.push([form.elements.phone.parentNode, t.phone]);
    return problems;
  }
  function show(problems) {
    form.querySelectorAll(".error").forEach(function (p) { p.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (input) { input.removeAttribute("aria-invalid"); });
    var ul = summary.querySelector("ul");
    ul.innerHTML = "";
    problems.forEach(function (problem) {
      var field = problem[0], p = document.createElement("p"), li = document.createElement("li");
      var a = document.createElement("a"), input = field.querySelector("input:not([type=hidden]), select");
      p.className = "error"; p.id = field.id + "-error"; p.textContent = problem[1];
      field.insertBefore(p, field.querySelector("label, input, select").nextSibling);
      if (input) input.setAttribute("aria-invalid", "true");
      a.href = "#" + field.id; a.textContent = problem[1];
      li.appendChild(a); ul.appendChild(li);
    });
    summary.hidden = !problems.length;
    document.title = (problems.length ? t.errorTitle + " " : "") + title;
    if (problems.length) summary.focus();
  }

  form.addEventListener("input", keep);
  form.addEventListener("change", function (event) {
    var input = event.target;
    wanted();
    if (input.type !== "file") return keep();
    var kind = input.closest(".oa-doc").dataset.kind, chosen = Array.prototype.slice.call(input.files);
    input.value = "";
    chosen.reduce(function (chain, file) {
      return chain.then(function () {
        return ApplyStore.shrink(file).then(function (blob) {
          return ApplyStore.change(id, function (d) {
            d.files.push({ id: Outbox.uuid(), kind: kind, name: file.name, type: blob.type || file.type,
                           size: blob.size, blob: blob });
          });
        });
      });
    }, Promise.resolve()).then(load);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var problems = check();
    show(problems);
    if (problems.length) return;
    var given = answers(), kinds = {};
    docs.forEach(function (fieldset) { if (!fieldset.hidden) kinds[fieldset.dataset.kind] = 1; });
    var entry = { id: Outbox.uuid(), key: Outbox.uuid(), kind: "application", lang: lang, state: "queued",
                  attempts: 0, next: 0, created: Date.now(),
                  request: { service: t.service, task: t.task, answers: given, agency: form.elements.agency.value,
                             phone: phone(), declaration: true },
                  files: files.filter(function (f) { return kinds[f.kind]; }).map(function (f) {
                    return { kind: f.kind, name: f.name, type: f.type, size: f.size, blob: f.blob };
                  }) };
    form.querySelector("[type=submit]").disabled = true;
    ApplyStore.change(id, function (d) { d.queued = entry.id; })
      .then(function () { return Outbox.put(entry); })
      .then(function () {
        if (navigator.serviceWorker && navigator.serviceWorker.ready) {
          navigator.serviceWorker.ready.then(function (reg) { return reg.sync && reg.sync.register("outbox"); })["catch"](function () {});
        }
        location.href = "/" + lang + "/outbox?saved=" + entry.id;
      });
  });

  // Fill the form from the draft; an application already waiting in the outbox is not made twice.
  load().then(function (d) {
    Object.keys(d.answers || {}).forEach(function (q) {
      var field = form.elements["q:" + q];
      if (field) field.value = d.answers[q];
    });
    if (d.agency) form.elements.agency.value = d.agency;
    if (d.phone) form.elements.phone.value = d.phone;
    wanted();
    if (!d.queued) return;
    return Outbox.get(d.queued).then(function (entry) {
      if (entry && entry.state === "confirmed") {
        return ApplyStore.forget(id).then(function () { location.reload(); });  // it has arrived: start afresh
      }
      if (!entry) return ApplyStore.change(id, function (draft) { delete draft.queued; });  // removed from the outbox
      if (entry.state === "refused") {
        say.textContent = entry.error && entry.error.message || "";
        return Outbox.remove(entry.id);  // sent again once corrected, under a new key
      }
      form.hidden = true;
      $("oa-queued").hidden = false;
    });
  });
}());
