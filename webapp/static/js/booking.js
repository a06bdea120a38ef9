// The booking steps: when htmx brings the next step (agency, day, time, details), move the
// keyboard and screen-reader focus to its heading, bring it into view, and say it.
document.addEventListener("htmx:afterSwap", function (event) {
  var box = document.getElementById("booking");
  if (!box || event.detail.target.id !== "booking") return;
  var steps = box.querySelectorAll("h2[id^=step-]"), next = steps[steps.length - 1];
  if (!next) return;
  next.tabIndex = -1;
  next.focus({ preventScroll: true });
  next.scrollIntoView({ block: "start" });
  document.getElementById("step-live").textContent = next.textContent;
});
