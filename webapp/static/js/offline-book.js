// The booking form of a phone without network (pwa/book.html). The worker shows it for
// /<lang>/book/<service>/<task> (the procedure is read from the address) and, with ?draft=<id>,
// after the details step could not reach us. Like online, the request is shown back for a check
// ("Check and confirm"); only then is it kept in the outbox, to be sent when the network is back.
(function () {
  "use strict";
  var lang = document.documentElement.lang;
  var $ = function (id) { return document.getElementById(id); };
  var form = $("ob-form"), review = $("ob-review"), list = review.querySelector("dl"), summary = $("ob-errors");
  var t = form.dataset, label = list.dataset, title = document.title;
  var query = new URLSearchParams(location.search);
  var path = location.pathname.match(/^\/\w\w\/book\/([^/]+)\/([^/]+)/);
  var where = { lang: lang, service: path && path[1], task: path && path[2] };
  var locale = { ar: "ar-DZ", fr: "fr-DZ", en: "en-GB" }[lang] || "fr-DZ";
  var slot = false, draft = null, procedure = "";

  function pad(n) { return String(n).padStart(2, "0"); }
  function iso(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
  function day(value) {
    return new Date(value + "T12:00:00").toLocaleDateString(locale, { weekday: "long", day: "numeric", month: "long" });
  }
  function value(name) { return String(form.elements[name].value || "").trim(); }
  function ascii(text) {  // Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits, as ASCII
    return text.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, function (c) { return String(c.charCodeAt(0) & 15); });
  }

  // A time chosen online before the network went: kept, with what to do if it is taken.
  function chosen(date, time) {
    slot = true;
    form.elements.date.value = date;
    form.elements.time.value = time;
    $("ob-slot-when").textContent = $("ob-slot-when").dataset.at.replace("%(date)s", day(date)).replace("%(time)s", time);
    $("ob-slot").hidden = false;
    $("ob-wish").hidden = true;
  }

  function check() {
    var problems = [], today = iso(new Date());
    var need = function (name, ok, message) { if (!ok) problems.push([name, message]); };
    need("agency", value("agency"), t.required);
    if (!slot) {
      var first = value("first_day"), last = value("last_day"), real = /^\d{4}-\d\d-\d\d$/;
      need("first_day", real.test(first), first ? t.date : t.required);
      need("last_day", real.test(last), last ? t.date : t.required);
      if (real.test(first) && real.test(last)) need("last_day", last >= first, t.order);
      if (real.test(last)) need("last_day", last >= today, t.past);
    }
    need("full_name", /\S/.test(value("full_name")), t.required);
    var phone = ascii(value("phone")).replace(/[\s.\-()]/g, "").replace(/^(\+|00)213/, "0");
    need("phone", /^0[567]\d{8}$/.test(phone), value("phone") ? t.phone : t.required);
    return problems;
  }

  // The GOV.UK pattern, as online: a summary with a link to each field, the message at the field.
  function show(problems) {
    form.querySelectorAll(".error").forEach(function (p) { p.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (input) {
      input.removeAttribute("aria-invalid");
      if (input.id === "ob-phone") input.setAttribute("aria-describedby", "ob-phone-hint");
      else input.removeAttribute("aria-describedby");
    });
    var ul = summary.querySelector("ul");
    ul.innerHTML = "";
    problems.forEach(function (problem) {
      var input = $("ob-" + problem[0]), p = document.createElement("p"), li = document.createElement("li");
      var a = document.createElement("a");
      if (input.getAttribute("aria-invalid")) return;  // one message a field
      p.className = "error"; p.id = input.id + "-error"; p.textContent = problem[1];
      input.parentNode.insertBefore(p, input);
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", p.id);
      a.href = "#" + input.id; a.textContent = problem[1];
      li.appendChild(a); ul.appendChild(li);
    });
    summary.hidden = !problems.length;
    document.title = (problems.length ? t.errorTitle + " " : "") + title;
    if (problems.length) summary.focus();
  }

  function row(term, text, ltr) {
    var dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = term; dd.textContent = text;
    if (ltr) dd.dir = "ltr";
    list.appendChild(dt); list.appendChild(dd);
  }

  function toReview() {
    var agency = form.elements.agency.selectedOptions[0];
    var period = form.querySelector("input[name=period]:checked");
    list.innerHTML = "";
    row(label.procedure, procedure || where.task);
    row(label.when, slot ? $("ob-slot-when").textContent
      : label.days.replace("%(first)s", day(value("first_day"))).replace("%(last)s", day(value("last_day"))) +
        " · " + period.parentNode.textContent.trim());
    row(label.where, agency.dataset.full);
    row(label.fullName, value("full_name"));
    row(label.phone, value("phone"), true);
    if (value("email")) row(label.email, value("email"), true);
    if (slot && value("ssn")) row(label.ssn, value("ssn"), true);
    form.hidden = true;
    review.hidden = false;
    $("ob-review-title").focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var problems = check();
    show(problems);
    if (!problems.length) toReview();
  });
  $("ob-change").addEventListener("click", function () {
    review.hidden = true;
    form.hidden = false;
    form.elements.agency.focus();
  });
  $("ob-send").addEventListener("click", function () {
    var data = new FormData(form);
    this.disabled = true;
    (draft ? Outbox.remove(draft.id) : Promise.resolve()).then(function () {
      return Outbox.addFromForm(data, slot ? where : Object.assign({ kind: "waitlist" }, where));
    }).then(function (entry) {
      if (navigator.serviceWorker) {
        navigator.serviceWorker.ready.then(function (reg) { return reg.sync && reg.sync.register("outbox"); })["catch"](function () {});
      }
      // Replaced, not added: Back from "My requests" goes to the page before the form.
      location.replace("/" + lang + "/outbox?saved=" + encodeURIComponent(entry.id));
    });
  });

  // What the page starts from: a draft of the details step, or the address (and its agency/day/time).
  var today = new Date(), week = new Date();
  week.setDate(today.getDate() + 7);
  form.elements.first_day.min = form.elements.last_day.min = iso(today);
  form.elements.first_day.value = /^\d{4}-\d\d-\d\d$/.test(query.get("date")) ? query.get("date") : iso(today);
  form.elements.last_day.value = iso(week) > form.elements.first_day.value ? iso(week) : form.elements.first_day.value;
  $("ob-field-ssn").hidden = true;
  var start = query.get("draft") ? Outbox.get(query.get("draft")) : Promise.resolve(null);
  start.then(function (entry) {
    var r = entry && entry.state === "draft" ? entry.request : null;
    if (r) {
      draft = entry;
      where = { lang: entry.lang, service: r.service, task: r.task, answers: r.answers };
      ["agency", "full_name", "phone", "email", "ssn", "fallback"].forEach(function (name) {
        if (r[name]) form.elements[name].value = r[name];
      });
      chosen(r.date, r.time);
    } else {
      where.answers = {};  // the checklist answers the task page put in the address
      query.forEach(function (v, name) { if (!/^(agency|date|time|draft)$/.test(name)) where.answers[name] = v; });
      if (query.get("agency")) form.elements.agency.value = query.get("agency");
      if (/^\d{4}-\d\d-\d\d$/.test(query.get("date")) && /^\d\d:\d\d$/.test(query.get("time"))) {
        chosen(query.get("date"), query.get("time"));
      }
    }
    $("ob-field-ssn").hidden = !slot;
    form.elements.service.value = where.service || "";
    form.elements.task.value = where.task || "";
    if (!where.task) {  // no procedure in the address: there is nothing to book here
      form.hidden = true;
      $("ob-none").hidden = false;
      return;
    }
    var url = "/" + lang + "/services/" + where.service + "/" + where.task;
    return fetch("/offline-index/" + lang + ".json").then(function (response) { return response.json(); })
      .then(function (index) {
        procedure = (index.entries.filter(function (e) { return e.u === url; })[0] || {}).t || "";
      }, function () {}).then(function () {
        $("ob-title").textContent = procedure;
        $("ob-task").href = url;
        $("ob-task").textContent = procedure || where.task;
        $("ob-task").parentNode.hidden = false;
        if (draft) toReview();
      });
  });
  // Drafts left behind (a review never confirmed) are forgotten: they hold a name and a phone.
  Outbox.all().then(function (entries) {
    entries.forEach(function (e) { if (e.state === "draft" && e.id !== query.get("draft")) Outbox.remove(e.id); });
  });
}());
