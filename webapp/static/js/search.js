// Search without network, on the pages with a search box: the server's rules (catalog/search.py)
// mirrored over the offline index, which carries the stems; the same results as online.
(function () {
  "use strict";
  var root = document.documentElement, lang = root.lang;
  var texts = function () { return document.getElementById("texts").dataset; };
  var FOLD = { "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي", "ء": "", "ـ": "", "ٱ": "ا" };
  var PREFIXES = "وال بال فال كال لل ال و ف ب ل".split(" ");
  function words(text) {
    var folded = text.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "").normalize("NFC")
      .replace(/[ةىؤئءـٱ\u0660-\u0669\u06f0-\u06f9]/g, function (c) {
        return c in FOLD ? FOLD[c] : String(c.charCodeAt(0) % 16);
      });
    return folded.match(/[\p{L}\p{N}_]+/gu) || [];
  }
  function bare(word) {
    var p = /^[\u0621-\u064a]/.test(word) && PREFIXES.filter(function (p) {
      return word.indexOf(p) === 0 && word.length - p.length > 2;
    })[0];
    return p ? word.slice(p.length) : word;
  }
  function oneEdit(a, b) {  // one letter changed, added or removed, or two neighbours swapped
    if (a === b || Math.abs(a.length - b.length) > 1) return false;
    var i = 0;
    while (a[i] === b[i]) i++;
    var x = a.slice(i + 1), y = b.slice(i + 1);
    return a.length > b.length ? x === b.slice(i) : a.length < b.length ? a.slice(i) === y
      : x === y || (a[i] === b[i + 1] && a[i + 1] === b[i] && x.slice(1) === y.slice(1));
  }
  function resolve(index, word) {
    var v = index.vocab, near = {};
    if (v.hasOwnProperty(word)) return [v[word] || word];
    Object.keys(v).forEach(function (w) {
      if ((word.length >= index.typo && w.length >= index.typo && oneEdit(word, w)) ||
          (word.length >= index.prefix && w.indexOf(word) === 0)) near[v[w] || w] = 1;
    });
    return Object.keys(near);
  }
  function readings(index, query) {  // the query, and the query with synonyms replaced
    var all = words(query), typed = all.filter(function (w) { return index.stop.indexOf(w) < 0; });
    var terms = (typed.length ? typed : all).map(function (w) { return resolve(index, bare(w)); });
    var replaced = [], i = 0, changed = false, syn;
    while (i < terms.length) {
      syn = index.synonyms.filter(function (s) {
        return s[0].length && s[0].every(function (k, j) { return (terms[i + j] || []).join() === k; });
      })[0];
      if (syn) {
        replaced = replaced.concat(syn[1].map(function (m) { return [m]; }));
        i += syn[0].length; changed = true;
      } else replaced.push(terms[i++]);
    }
    return (changed ? [terms, replaced] : [terms]).filter(function (r) { return r.length; });
  }
  function searchIndex(index, query) {  // best first: title matches, the procedure named, services
    var rs = readings(index, query), scored = [];
    index.entries.forEach(function (e, position) {
      var own = " " + e.h + " ", title = own + (e.p || "") + " ", body = title + e.w + " ", best = Infinity;
      var count = function (r, text) {
        return r.filter(function (t) { return t.some(function (s) { return text.indexOf(" " + s + " ") >= 0; }); }).length;
      };
      rs.forEach(function (r) {  // the server's key (-title, -own, is a task, position) as one number
        if (count(r, body) === r.length) {
          best = Math.min(best, ((-count(r, title) * 100 - count(r, own)) * 2 + (e.st ? 1 : 0)) * 1e5 + position);
        }
      });
      if (best < Infinity) scored.push([best, e]);
    });
    return scored.sort(function (a, b) { return a[0] - b[0]; }).map(function (s) { return s[1]; });
  }
  window.offlineSearchIndex = searchIndex;
  var index = null;
  function offlineSearch(query) {
    var results = document.getElementById("results");
    if (!results) return;
    (index ? Promise.resolve(index) : fetch("/offline-index/" + lang + ".json").then(function (r) { return r.json(); }))
      .then(function (data) {
        index = data;
        var hits = searchIndex(index, query);
        var t = texts();
        results.innerHTML = "";
        var h = document.createElement("h2"); h.className = "count";
        h.textContent = t.offlineResults.replace("%(num)s", hits.length); results.appendChild(h);
        var ul = document.createElement("ul"); ul.className = "results";
        hits.slice(0, 30).forEach(function (e) {
          var li = document.createElement("li"), a = document.createElement("a");
          a.href = e.u; a.textContent = e.t; li.appendChild(a);
          if (e.st) { var s = document.createElement("small"); s.textContent = e.st; li.appendChild(s); }
          ul.appendChild(li);
        });
        results.appendChild(ul);
      }, function () { results.textContent = texts().offlineNoIndex; });
  }
  document.addEventListener("htmx:sendError", function (event) {
    var field = event.detail.elt;
    if (field && field.id === "q") offlineSearch(field.value);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute("role") === "search" && !navigator.onLine) {
      event.preventDefault();
      offlineSearch(form.querySelector("[name=q]").value);
    }
  });
  window.addEventListener("load", function () {
    var q = new URLSearchParams(location.search).get("q");
    if (q && root.dataset.offlineCopy !== undefined) offlineSearch(q);
  });
}());
