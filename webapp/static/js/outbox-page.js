// The "My requests" page: every request kept on this phone and what became of it.
(function () {
  "use strict";
  var box = document.getElementById("outbox");
  var t = box.dataset, agencies = JSON.parse(t.agencies || "{}");
  var index = null;
  var locale = { ar: "ar-DZ", fr: "fr-DZ", en: "en-GB" }[document.documentElement.lang] || "fr-DZ";
  var clock = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  var day = { weekday: "long", day: "numeric", month: "long" };
  function when(date, time) {
    return t.at.replace("%(date)s", new Date(date + "T12:00:00").toLocaleDateString(locale, day)).replace("%(time)s", time);
  }

  function titleOf(entry) {
    var url = "/" + entry.lang + "/services/" + entry.request.service + "/" + entry.request.task;
    var hit = (index ? index.entries : []).filter(function (e) { return e.u === url; })[0];
    return hit ? hit.t : entry.request.task;
  }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  // The SMS code of a held booking, and a new code: { entry, error } or { entry, offline }.
  // Sent with this browser's session: a right code lets it open the appointment's page too.
  function ask(entry, action, payload) {
    var url = "/api/v1/appointments/" + entry.result.reference + "/" + action;  // [2-9A-Z]{9}
    var headers = { "Accept-Language": entry.lang };
    if (entry.kind === "application") {  // found by the key of the request that made it
      url = "/api/v1/applications/" + action;
      headers["Idempotency-Key"] = entry.key;
      if (action === "code") payload = { phone: entry.request.phone };
    }
    return Outbox.post(url, headers, payload, "same-origin").then(function (answer) {
      return Outbox.get(entry.id).then(function (current) {
        var status = answer.status, error = answer.body.error;
        current = current || entry;
        if (!status || status >= 500 && !error) return { entry: current, offline: true };
        if (status < 300) {
          delete current.error;
          if (action === "confirm") current.state = "confirmed";
          if (action === "confirm" && current.kind === "application") {  // arrived: nothing personal stays
            delete current.request.phone;
            delete current.request.answers;
            if (window.ApplyStore) ApplyStore.forget(current.request.service + "/" + current.request.task);
          }
        } else if (current.state === "held") {
          current.error = error = error || { message: String(status) };
          if (error.code === "hold_expired" || status === 404) current.state = "expired";
        }
        return Outbox.put(current).then(function () { return { entry: current, error: error }; });
      });
    });
  }
  // A new choice after "needs your choice": a new request, so a new key.
  function rebook(entry, date, time) {
    entry.request.date = date; entry.request.time = time;
    entry.key = Outbox.uuid(); entry.state = "queued"; entry.next = 0; entry.attempts = 0;
    delete entry.error; delete entry.sendingUntil; entry.limited = 0;
    return Outbox.put(entry);
  }
  // The reference as printed on appointment pages (codes.display): ABCD-EFGH-K.
  function printed(ref) {
    ref = String(ref);
    return /^[0-9A-Z]{9}$/.test(ref) ? ref.slice(0, 4) + "-" + ref.slice(4, 8) + "-" + ref.slice(8) : ref;
  }
  // Something got through: the notice "offline copy kept on this phone" no longer holds.
  function online() {
    var bar = document.getElementById("app-bar");
    if (document.documentElement.dataset.offlineCopy === undefined || !navigator.onLine) return;
    delete document.documentElement.dataset.offlineCopy;
    bar.hidden = true;
  }
  window.addEventListener("online", online);

  // The code step of a held request (notes: what was typed and said, across redraws).
  var notes = {};
  function codeStep(entry, li) {
    var memo = notes[entry.id] = notes[entry.id] || { code: "" }, id = "code-" + entry.id;
    var step = document.getElementById("code-step").content.cloneNode(true);
    var input = step.querySelector("input"), error = step.querySelector(".error");
    step.querySelector("label").htmlFor = input.id = id;
    if (entry.kind === "application") step.querySelector("[type=submit]").textContent = t.sendApplication;
    input.value = memo.code;
    input.oninput = function () { memo.code = input.value; };
    var say = memo.said || entry.error && told(entry.error);
    if (say) {
      error.textContent = say; error.hidden = false; error.id = id + "e";
      input.setAttribute("aria-describedby", error.id);
      if (say !== t.offline) input.setAttribute("aria-invalid", "true");
    }
    step.querySelector(".notice").hidden = !memo.resent;
    step.querySelector("form").onsubmit = function (event) {
      event.preventDefault();
      act(memo, ask(entry, "confirm", { code: input.value }), true);
    };
    step.querySelector(".link").onclick = function () { act(memo, ask(entry, "code", {})); };
    li.appendChild(step);
  }
  function told(error) {  // the server's words, and the tries left (ngettext's, from the page)
    var n = error.tries_left;
    return error.message + (n ? " " + (t["triesLeft-" + n] || n) : "");
  }
  function act(memo, asking, confirming) {
    asking.then(function (answer) {
      memo.said = answer.offline ? t.offline : answer.error ? told(answer.error) : "";
      memo.resent = !confirming && !memo.said;
      window.sendOutbox(false);  // draws the list and the badge again
    });
  }

  function item(entry) {
    var r = entry.result || entry.request;
    var li = el("li", null, "state-" + entry.state);
    var limited = entry.state === "queued" && entry.limited > Date.now();
    li.dataset.state = entry.state;
    li.dataset.attempts = entry.attempts;
    if (limited) li.dataset.limited = entry.limited;
    li.appendChild(el("h2", titleOf(entry)));
    var days = function (d) { return new Date(d + "T12:00:00").toLocaleDateString(locale, day); };
    var wish = entry.kind === "waitlist" && t.days.replace("%(first)s", days(r.first_day)).replace("%(last)s", days(r.last_day));
    var agency = agencies[entry.request.agency] || t.agencyLabel + " " + entry.request.agency;
    var application = entry.kind === "application";
    li.appendChild(el("p", application ? t.application + " · " + agency : (wish || when(r.date, r.time)) + " · " + agency));
    var state = el("p", null, "state"), done = /^(confirmed|moved)$/.test(entry.state);
    var confirmed = r.waiting ? t.waiting.replace("%(num)s", r.waiting) : r.moved ? t.moved : t.confirmed;
    if (application) confirmed = t.sent;
    var label = { queued: t.queued, sending: t.sending + (entry.progress ? " " + entry.progress + " %" : ""),
                  confirmed: confirmed, moved: t.moved, needs_choice: t.needsChoice, refused: t.refused,
                  held: application ? t.heldApplication
                    : t.held.replace("%(deadline)s", new Date(r.hold_until).toLocaleString(locale, Object.assign({}, day, clock))),
                  expired: entry.result ? "" : t.expired }[entry.state];
    state.textContent = (limited ? t.limited.replace("%(time)s", new Date(entry.limited).toLocaleTimeString(locale, clock))
                                 : label) + " ";
    li.appendChild(state);
    if (done) {
      var ref = el("strong", printed(r.reference));
      ref.dir = "ltr";
      state.appendChild(ref);
      // An appointment opens straight away (this browser confirmed its code); a waiting-list
      // place is found with its reference and phone.
      var a = el("a", application ? t.followLabel : t.manageLabel), code = encodeURIComponent(r.reference);
      a.href = application ? t.applied.replace("REF", code)
        : entry.kind ? t.manage + "?reference=" + code : t.appointment.replace("REF", code);
      li.appendChild(a);
    } else if (entry.error && entry.state !== "held") {
      state.appendChild(document.createTextNode(entry.error.message));
    }
    if (entry.state === "held") codeStep(entry, li);
    (entry.error && entry.error.alternatives || []).forEach(function (slot) {
      var b = el("button", when(slot.start.slice(0, 10), slot.time));
      b.type = "button";
      b.addEventListener("click", function () {
        rebook(entry, slot.start.slice(0, 10), slot.time).then(function () { window.sendOutbox(true); });
      });
      li.appendChild(b);
    });
    if (entry.state !== "queued" && entry.state !== "sending") {
      var del = el("button", t["delete"], "link"); del.type = "button";
      del.addEventListener("click", function () { Outbox.remove(entry.id).then(window.renderOutbox); });
      li.appendChild(del);
    }
    return li;
  }

  var recheck = null;
  window.renderOutbox = function () {
    Outbox.all().then(function (list) {
      list = list.filter(function (e) { return e.state !== "draft"; });  // still on its review step
      if (list.some(function (e) { return e.state === "confirmed" || e.state === "moved"; })) online();
      // Look again when a send's lease runs out (its page may be gone); send when a 429's wait is over.
      clearTimeout(recheck);
      var until = Infinity, send;
      list.forEach(function (e) {
        var at = e.state === "sending" ? e.sendingUntil : e.state === "queued" && e.limited;
        if (at && at < until) { until = at; send = e.state === "queued"; }
      });
      if (until < Infinity) {
        recheck = setTimeout(send ? window.sendOutbox : window.renderOutbox, Math.max(until - Date.now(), 0) + 250);
      }
      // "Send now" only while something waits to be sent
      document.getElementById("send-now").hidden = !list.some(function (e) { return /^(queued|sending)$/.test(e.state); });
      var focused = document.activeElement.id;
      box.innerHTML = "";
      if (!list.length) { box.appendChild(el("p", t.empty)); return; }
      var ul = el("ul", null, "outbox");
      list.sort(function (a, b) { return b.created - a.created; }).forEach(function (entry) { ul.appendChild(item(entry)); });
      box.appendChild(ul);
      if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
    });
  };

  document.getElementById("send-now").addEventListener("click", function () { window.sendOutbox(true); });
  fetch("/offline-index/" + document.documentElement.lang + ".json").then(function (r) { return r.json(); })
    .then(function (entries) { index = entries; }, function () {}).then(window.renderOutbox);
}());
