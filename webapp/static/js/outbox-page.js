// The "My requests" page: every request kept on this phone and what became of it.
(function () {
  "use strict";
  var box = document.getElementById("outbox");
  var t = box.dataset, agencies = JSON.parse(t.agencies || "{}");
  var index = null;
  var locale = { ar: "ar-DZ", fr: "fr-DZ", en: "en-GB" }[document.documentElement.lang] || "fr-DZ";
  function when(date, time) {
    var day = new Date(date + "T12:00:00").toLocaleDateString(locale, { weekday: "long", day: "numeric", month: "long" });
    return t.at.replace("%(date)s", day).replace("%(time)s", time);
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

  var recheck = null;
  window.renderOutbox = function () {
    Outbox.all().then(function (list) {
      // A send has a lease: look again when it runs out, in case its page or worker went away.
      clearTimeout(recheck);
      var until = list.reduce(function (soonest, e) {
        return e.state === "sending" ? Math.min(soonest, e.sendingUntil) : soonest;
      }, Infinity);
      if (until < Infinity) recheck = setTimeout(window.renderOutbox, Math.max(until - Date.now(), 0) + 250);
      box.innerHTML = "";
      if (!list.length) { box.appendChild(el("p", t.empty)); return; }
      var ul = el("ul", null, "outbox");
      list.sort(function (a, b) { return b.created - a.created; }).forEach(function (entry) {
        var r = entry.result || entry.request;
        var li = el("li", null, "state-" + entry.state);
        li.dataset.state = entry.state;
        li.dataset.attempts = entry.attempts;
        li.appendChild(el("h2", titleOf(entry)));
        li.appendChild(el("p", when(r.date, r.time) + " · " +
                              (agencies[r.agency] || t.agencyLabel + " " + r.agency)));
        var state = el("p", null, "state");
        var label = { queued: t.queued, sending: t.sending, confirmed: t.confirmed, moved: t.moved,
                      needs_choice: t.needsChoice, refused: t.refused, expired: t.expired }[entry.state];
        state.textContent = label + " ";
        if (entry.result) {
          state.appendChild(el("strong", entry.result.reference));
          var a = el("a", t.manageLabel); a.href = t.manage; li.appendChild(state); li.appendChild(a);
        } else {
          if (entry.error) state.appendChild(document.createTextNode(entry.error.message));
          li.appendChild(state);
        }
        (entry.error && entry.error.alternatives || []).forEach(function (slot) {
          var b = el("button", when(slot.start.slice(0, 10), slot.time));
          b.type = "button";
          b.addEventListener("click", function () {
            Outbox.rebook(entry, slot.start.slice(0, 10), slot.time).then(function () { window.sendOutbox(true); });
          });
          li.appendChild(b);
        });
        if (entry.state !== "queued" && entry.state !== "sending") {
          var del = el("button", t["delete"], "link"); del.type = "button";
          del.addEventListener("click", function () { Outbox.remove(entry.id).then(window.renderOutbox); });
          li.appendChild(del);
        }
        ul.appendChild(li);
      });
      box.appendChild(ul);
    });
  };

  document.getElementById("send-now").addEventListener("click", function () { window.sendOutbox(true); });
  fetch("/offline-index/" + document.documentElement.lang + ".json").then(function (r) { return r.json(); })
    .then(function (entries) { index = entries; }, function () {}).then(window.renderOutbox);
}());
