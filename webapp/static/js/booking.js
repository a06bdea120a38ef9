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
  var live = document.getElementById("step-live");
  live.className = "sr-only";
  live.textContent = next.textContent;
});

// The network dropped between two steps: say so, with a way to try again (not silence).
document.addEventListener("htmx:sendError", function (event) {
  var live = document.getElementById("step-live"), again = document.createElement("button");
  var path = event.detail.pathInfo ? event.detail.pathInfo.finalRequestPath : event.detail.requestConfig.path;
  live.className = "alert";
  live.textContent = live.dataset.offline + " ";
  again.type = "button";
  again.textContent = live.dataset.retry;
  again.onclick = function () { location.href = path; };  // the same step, as a whole page
  live.appendChild(again);
});
