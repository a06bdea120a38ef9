// Benefit estimates without network: when the server cannot answer, the estimate is worked
// out here from the rules the page embeds (data-rules), with the same integer steps
// (centimes, basis points, rounding half up) as webapp/catalog/estimators.py. Online, htmx asks
// the server, so pages don't load this file: checklist.js loads it (from the worker's copy) on first
// use without network.
(function () {
  "use strict";

  function ascii(text) {
    return text.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, function (d) {
      return d.charCodeAt(0) % 16;  // ٠ is U+0660, ۰ is U+06F0
    });
  }

  function parseMoney(text) {
    text = ascii(text).replace(/[\s\u066c']/g, "").replace(/\u066b/g, ",");
    if (/^[1-9]\d{0,2}([.,]\d{3})+$/.test(text)) text = text.replace(/[.,]/g, "");
    var parts = /^(\d+)(?:[.,](\d\d?))?$/.exec(text);
    var value = parts && +parts[1] * 100 + +((parts[2] || "") + "00").slice(0, 2);
    return value > 0 && value <= 1e10 ? value : null;
  }

  function pct(amount, bp) {  // amount × bp / 10000, half up, exact below 2**53
    var low = amount % 10000;
    return (amount - low) / 10000 * bp + Math.floor((low * bp + 5000) / 10000);
  }

  function divide(amount, parts) {
    var rest = amount % parts;
    return (amount - rest) / parts + (2 * rest >= parts);
  }

  function applies(item, values) {
    var pair = (item.when || "").split("=");
    return !item.when || values[pair[0]] === pair[1];
  }

  function compute(rules, values) {
    var perUnit = (values[rules.base] || rules.figures[rules.base]) * rules.times;
    var lines = [], total = 0, unit, index, last, count = rules.units ? values[rules.units] : 1;
    for (unit = 1; unit <= count; unit++) {
      index = rules.rates.findIndex(function (r) { return applies(r, values) && r.start <= unit && unit <= (r.to || unit); });
      last = lines[lines.length - 1];
      if (last && last.rate === index) last.last = unit;
      else lines.push({ rate: index, first: unit, last: unit });
    }
    lines.forEach(function (line) {
      line.amount = pct(perUnit * (line.last - line.first + 1), rules.rates[line.rate].bp);
      total += line.amount;
    });
    var result = { lines: lines, extras: [] };
    result.floor = rules.floors.find(function (floor) {
      floor.amount = pct(rules.figures[floor.figure] * floor.times, floor.bp);
      return applies(floor, values) && total < floor.amount;
    });
    if (result.floor) total = result.floor.amount;
    var added = 0;
    rules.extras.forEach(function (extra) {
      if (applies(extra, values)) result.extras.push({ label: extra.label, amount: pct(total, extra.bp) });
    });
    result.extras.forEach(function (extra) { added += extra.amount; });
    result.total = total += added;
    result.shares = rules.share ? values[rules.share] : 1;
    return result;
  }

  function render(list, rules, result) {
    var texts = rules.texts, unit = (rules.inputs.find(function (i) { return i.id === rules.units; }) || {}).unit;
    function money(centimes) {
      var cents = centimes % 100, whole = String((centimes - cents) / 100).replace(/\B(?=(\d{3})+$)/g, texts.group);
      return texts.money.replace("%(amount)s", cents ? whole + texts.decimal + String(100 + cents).slice(1) : whole);
    }
    function line(label, amount, prefix) {
      var item = list.appendChild(document.createElement("li"));
      item.append(document.createElement("span"), " ", document.createElement("strong"));
      item.firstChild.textContent = label;
      item.lastChild.textContent = (prefix || "") + money(amount);
      return item;
    }
    list.textContent = "";
    result.lines.forEach(function (entry) {
      var range = unit ? texts[unit][+(entry.first !== entry.last)] + " · " : "";
      line(range.replace("%(first)s", entry.first).replace("%(last)s", entry.last) + rules.rates[entry.rate].label, entry.amount);
    });
    if (result.floor) line(result.floor.label, result.floor.amount);
    result.extras.forEach(function (extra) { line(extra.label, extra.amount, "+ "); });
    line(rules.result, result.total).className = "total";
    if (rules.monthly) line(texts.monthly, divide(result.total, 12));
    if (result.shares > 1) line(texts.each.replace("%(n)s", result.shares), divide(result.total, result.shares));
    list.hidden = false;
  }

  function estimate(box) {
    var rules = JSON.parse(box.dataset.rules), form = box.querySelector("form"), values = {}, first = null;
    rules.inputs.forEach(function (input) {
      var id = box.id + "-" + input.id, field = document.getElementById(id);
      var picked = form.querySelector("[name='" + input.id + "']:checked");
      var raw = field && field.tagName === "INPUT" ? field.value.slice(0, 40).trim() : picked ? picked.value : "";
      var digits = ascii(raw), value = {
        money: parseMoney(raw),
        count: /^\d+$/.test(digits) && +digits >= input.min && +digits <= input.max ? +digits : null,
        choice: (input.options || []).indexOf(raw) < 0 ? null : raw,
      }[input.kind];
      values[input.id] = input.kind === "yesno" ? (raw === "yes" ? "yes" : "no") : value;
      var invalid = values[input.id] === null;
      (document.getElementById(id + "-error") || {}).hidden = !invalid;
      if (!field) return;
      if (invalid) {
        field.setAttribute("aria-invalid", "true");
        field.setAttribute("aria-describedby", id + "-error");
      } else {
        field.removeAttribute("aria-invalid");
        field.removeAttribute("aria-describedby");
      }
      first = first || (invalid && field);
    });
    var list = box.querySelector("[data-result]");
    list.hidden = !!first;
    if (first) (first.querySelector("input") || first).focus();
    else render(list, rules, compute(rules, values));
  }

  window.cnasEstimate = estimate;  // called by checklist.js, which loads this file on first use offline
})();
