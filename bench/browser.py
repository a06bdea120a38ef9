"""Section 2: cold and warm loads in headless Chromium on DevTools' "Slow 3G".

Network conditions come from CDP (Network.emulateNetworkConditions): 2000 ms latency,
400 kbit/s = 50,000 bytes/s both ways. First- and largest-contentful-paint are read in the
page (paint timing and a buffered PerformanceObserver).

Cold: a fresh browser context (empty HTTP cache, no service worker). Warm: a second
navigation to the same URL in the same context. Between the two visits the network is
unthrottled for a bounded while so that a service worker, if the page registers one, can
install and precache ("time passes between visits"); the warm load runs on Slow 3G again.
Conditions set on the page's CDP session do not apply to the fetches a service worker makes
(its network-first HTML would arrive unthrottled), so they are also sent to every service
worker target of the context, through a browser-level CDP session.

With the catalog saved (issue 17), the warm load of a catalog or checklist page is the phone's
copy (stale-while-revalidate): "phone copy" in table 2b means the document came through the
worker and the worker fetched nothing for it. Table 2b also gives the first visit's background
download of the offline catalog (manifest + one bundle per language), read from the access log.

floor = latency + bytes / bandwidth: what the bytes alone cost on that link with a single
round trip. For the paints, the bytes are those needed to paint: the document and its
stylesheets (a page whose stylesheet is a separate file needs a second sequential round trip,
so a ratio near 2 is its best; with the CSS inline, near 1). For onload, every byte the load
transferred (scripts included).
"""

import json
import re
import time
import urllib.parse

from .common import CHROMIUM, CHROMIUM_ARGS, log, median, serve, server_env, table, webapp_cli

LATENCY_MS = 2000
BYTES_PER_SECOND = 50_000  # 400 kbit/s
SLOW_3G = {"offline": False, "latency": LATENCY_MS, "downloadThroughput": BYTES_PER_SECOND,
           "uploadThroughput": BYTES_PER_SECOND, "connectionType": "cellular3g"}
UNTHROTTLED = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
PAGES = [
    ("home", "/{lang}/"),
    ("service", "/{lang}/services/work-accident"),
    ("task", "/{lang}/services/work-accident/declare-work-accident"),
]
LANGS = ("ar", "fr")
WARM_GOAL_MS = 300  # issue 17: a saved catalog or checklist page, warm, on Slow 3G
DOWNLOAD_GOAL = 120 * 1024  # issue 17: the first visit's background download of the offline catalog
ACCESS = re.compile(r"webapp\.access: GET (\S+) (\d{3}) (\d+)B")

METRICS = """
() => new Promise((resolve) => {
  let lcp = null;
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) lcp = e; })
      .observe({ type: "largest-contentful-paint", buffered: true });
  } catch (e) { /* not supported */ }
  setTimeout(() => {
    const paint = {};
    for (const e of performance.getEntriesByType("paint")) paint[e.name] = e.startTime;
    const nav = performance.getEntriesByType("navigation")[0] || {};
    const resources = performance.getEntriesByType("resource").map((r) => ({
      name: r.name.replace(location.origin, ""), type: r.initiatorType, transfer: r.transferSize,
      body: r.encodedBodySize, start: r.startTime, end: r.responseEnd,
      sw: r.workerStart > 0, delivery: r.deliveryType || "" }));
    resolve({
      fcp: paint["first-contentful-paint"] ?? null, fp: paint["first-paint"] ?? null,
      lcp: lcp ? lcp.startTime : null, lcp_element: lcp && lcp.element ? lcp.element.tagName.toLowerCase() : null,
      html_transfer: nav.transferSize ?? null, html_body: nav.encodedBodySize ?? null,
      html_response_end: nav.responseEnd ?? null, html_via_sw: (nav.workerStart || 0) > 0,
      html_delivery: nav.deliveryType || "",
      dcl: nav.domContentLoadedEventEnd ?? null, load: nav.loadEventEnd ?? null,
      sw_controlled: !!(navigator.serviceWorker && navigator.serviceWorker.controller),
      resources,
    });
  }, 300);
})
"""

WAIT_FOR_WORKER = """
async ([registerMs, controlMs, precacheMs]) => {
  const t0 = performance.now();
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const waited = () => Math.round(performance.now() - t0);
  if (!("serviceWorker" in navigator)) return { state: "unsupported", waited_ms: 0 };
  let regs = [];
  while (performance.now() - t0 < registerMs) {
    regs = await navigator.serviceWorker.getRegistrations();
    if (regs.length) break;
    await sleep(200);
  }
  if (!regs.length) return { state: "none", waited_ms: waited() };
  while (!navigator.serviceWorker.controller && performance.now() - t0 < registerMs + controlMs) await sleep(200);
  if (!navigator.serviceWorker.controller) return { state: "registered, not controlling", waited_ms: waited() };
  const end = performance.now() + precacheMs;
  while (document.documentElement.dataset.precached === undefined && performance.now() < end) await sleep(200);
  return { state: "controlling", precached: document.documentElement.dataset.precached !== undefined,
           waited_ms: waited() };
}
"""


class WorkerThrottle:
    """Network conditions for the service workers of a context, over the browser's CDP session.

    Playwright offers CDP sessions for pages and frames only: the worker target is attached in
    the (older) non-flattened mode and spoken to with Target.sendMessageToTarget.
    """

    def __init__(self, browser):
        self.session = browser.new_browser_cdp_session()
        self.answers: set[tuple[str, int]] = set()
        self.session.on("Target.receivedMessageFromTarget", self._received)
        self.attached: dict[str, str] = {}  # target id -> session id
        self.next_id = 1000
        self.urls: dict[tuple, str] = {}
        self.fetched: list[tuple[str, int]] = []  # (path, bytes on the wire) of the workers' fetches

    def _received(self, event):
        try:
            message = json.loads(event["message"])
        except (KeyError, ValueError):
            return
        if "id" in message:
            self.answers.add((event.get("sessionId"), message["id"]))
        params = message.get("params") or {}
        key = (event.get("sessionId"), params.get("requestId"))
        if message.get("method") == "Network.requestWillBeSent":
            self.urls[key] = urllib.parse.urlsplit(params["request"]["url"])._replace(scheme="", netloc="").geturl()
        elif message.get("method") == "Network.loadingFinished" and key in self.urls:
            self.fetched.append((self.urls.pop(key), int(params.get("encodedDataLength") or 0)))

    def apply(self, page, context_id: str, conditions: dict, timeout: float = 10) -> int:
        """Send `conditions` to every service worker of the context; return how many there are."""
        infos = self.session.send("Target.getTargets")["targetInfos"]
        workers = [t for t in infos if t["type"] == "service_worker" and t.get("browserContextId") == context_id]
        pending = []
        for target in workers:
            if target["targetId"] not in self.attached:
                self.attached[target["targetId"]] = self.session.send(
                    "Target.attachToTarget", {"targetId": target["targetId"], "flatten": False})["sessionId"]
            session_id = self.attached[target["targetId"]]
            for method, params in (("Network.enable", {}), ("Network.emulateNetworkConditions", conditions)):
                self.next_id += 1
                self.session.send("Target.sendMessageToTarget", {"sessionId": session_id, "message": json.dumps(
                    {"id": self.next_id, "method": method, "params": params})})
                pending.append((session_id, self.next_id))
        deadline = time.monotonic() + timeout
        while any(p not in self.answers for p in pending) and time.monotonic() < deadline:
            page.wait_for_timeout(50)  # lets Playwright deliver the answers
        missing = [p for p in pending if p not in self.answers]
        if missing:
            raise RuntimeError(f"service worker did not confirm the network conditions: {missing}")
        return len(workers)

    def forget(self):
        self.attached.clear()


def floor_ms(transferred: int) -> float:
    return LATENCY_MS + transferred * 1000 / BYTES_PER_SECOND


def transferred(metrics: dict) -> int:
    return (metrics.get("html_transfer") or 0) + sum(r["transfer"] or 0 for r in metrics["resources"])


def is_stylesheet(resource: dict) -> bool:
    return resource["type"] in ("link", "css") and ".css" in resource["name"]


def paint_bytes(metrics: dict) -> int:
    """Bytes of the document and of its stylesheets: what the first paint waits for."""
    return (metrics.get("html_transfer") or 0) + sum(r["transfer"] or 0 for r in metrics["resources"]
                                                     if is_stylesheet(r))


def load(page, url: str, throttle: "WorkerThrottle | None" = None) -> dict:
    mark = len(throttle.fetched) if throttle else 0
    started = time.monotonic()
    page.goto(url, wait_until="load", timeout=120_000)
    metrics = page.evaluate(METRICS)
    metrics["wall_ms"] = round((time.monotonic() - started) * 1000)
    if throttle:
        # What a service worker fetched: the page reports decoded sizes for what it passed on, so the
        # bytes on the wire come from the worker's own network events.
        page.wait_for_timeout(200)
        wire: dict[str, int] = {}
        for path, size in throttle.fetched[mark:]:
            wire[path] = wire.get(path, 0) + size
        metrics["worker_fetches"] = wire
        path = urllib.parse.urlsplit(url)._replace(scheme="", netloc="").geturl()
        if metrics["html_via_sw"]:
            metrics["html_transfer_reported"] = metrics["html_transfer"]
            metrics["html_transfer"] = wire.get(path, 0)
        for resource in metrics["resources"]:
            if resource["sw"]:
                resource["transfer_reported"] = resource["transfer"]
                resource["transfer"] = wire.get(resource["name"], 0)
    metrics["bytes"] = transferred(metrics)
    metrics["paint_bytes"] = paint_bytes(metrics)
    metrics["paint_floor_ms"] = round(floor_ms(metrics["paint_bytes"]))
    metrics["load_floor_ms"] = round(floor_ms(metrics["bytes"]))
    return metrics


def first_visit_download(browser, server, lang: str, timeout_ms: int = 60_000) -> dict:
    """What the service worker downloads after a first visit (unthrottled), read from the server's
    access log, which records each answer's bytes as sent (compressed: Chromium asks gzip over
    http). catalog = the offline catalog (manifest, bundle, pages, index); shell = sw.js and the
    static files the worker installs."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=lang)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/{lang}/", wait_until="load")
        mark = len(server.log_path.read_text().splitlines())
        page.wait_for_selector(f"html[data-precached={lang}]", state="attached", timeout=timeout_ms)
        page.wait_for_timeout(500)  # the last access lines reach the log
    finally:
        context.close()
    found = {"catalog": [0, 0], "shell": [0, 0]}
    for line in server.log_path.read_text().splitlines()[mark:]:
        match = ACCESS.search(line)
        if not match:
            continue
        path, size = match.group(1), int(match.group(3))
        kind = "shell" if path == "/sw.js" or path.startswith(("/static/", "/manifest")) else "catalog"
        found[kind][0] += 1
        found[kind][1] += size
    return {"lang": lang, "catalog_requests": found["catalog"][0], "catalog_bytes": found["catalog"][1],
            "shell_requests": found["shell"][0], "shell_bytes": found["shell"][1]}


def run(ctx) -> dict:
    from playwright.sync_api import sync_playwright

    repeats = 1 if ctx.quick else 3
    worker_wait = (3000, 8000, 12000) if ctx.quick else (3000, 10000, 30000)
    instance = ctx.tmp / "browser"
    instance.mkdir()
    env = server_env(instance)
    webapp_cli(["load-demo"], env)
    runs = []
    with serve(env, workers=3, log_path=instance / "server.log") as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        version = browser.version
        throttle = WorkerThrottle(browser)
        try:
            downloads = []
            for lang in LANGS:
                downloads.append(first_visit_download(browser, server, lang))
                log(f"first visit [{lang}]: background download {downloads[-1]['catalog_bytes']:,} B "
                    f"in {downloads[-1]['catalog_requests']} requests (+ shell {downloads[-1]['shell_bytes']:,} B)")
            for repeat in range(repeats):
                for name, pattern in PAGES:
                    for lang in LANGS:
                        path = pattern.format(lang=lang)
                        context = browser.new_context(viewport={"width": 360, "height": 740}, locale=lang)
                        try:
                            page = context.new_page()
                            page.set_default_timeout(120_000)
                            cdp = context.new_cdp_session(page)
                            context_id = cdp.send("Target.getTargetInfo")["targetInfo"]["browserContextId"]
                            cdp.send("Network.enable")
                            cdp.send("Network.emulateNetworkConditions", SLOW_3G)
                            cold = load(page, server.url + path)
                            cdp.send("Network.emulateNetworkConditions", UNTHROTTLED)
                            worker = page.evaluate(WAIT_FOR_WORKER, list(worker_wait))
                            cdp.send("Network.emulateNetworkConditions", SLOW_3G)
                            worker["throttled_workers"] = throttle.apply(page, context_id, SLOW_3G)
                            warm = load(page, server.url + path, throttle)
                        finally:
                            context.close()
                            throttle.forget()
                        runs.append({"page": name, "lang": lang, "path": path, "repeat": repeat,
                                     "cold": cold, "warm": warm, "service_worker": worker})
                        log(f"{name} [{lang}] #{repeat + 1}: cold FCP {cold['fcp'] or 0:.0f} ms, "
                            f"warm FCP {warm['fcp'] or 0:.0f} ms, worker: {worker['state']}")
        finally:
            browser.close()
    return report(runs, version, repeats, downloads)


def report(runs: list[dict], version: str, repeats: int, downloads: list[dict] | None = None) -> dict:
    rows, summary = [], []
    for name, _pattern in PAGES:
        for lang in LANGS:
            mine = [r for r in runs if r["page"] == name and r["lang"] == lang]
            for kind in ("cold", "warm"):
                fcp = median([r[kind]["fcp"] for r in mine if r[kind]["fcp"] is not None])
                lcp = median([r[kind]["lcp"] for r in mine if r[kind]["lcp"] is not None])
                load_ms = median([r[kind]["load"] for r in mine if r[kind]["load"] is not None])
                moved = median([r[kind]["bytes"] for r in mine])
                painted = median([r[kind]["paint_bytes"] for r in mine])
                floor, load_floor = floor_ms(painted), floor_ms(moved)
                html_sw = any(r[kind]["html_via_sw"] for r in mine)
                # From the phone's copy: through the worker, and the worker fetched nothing for it.
                from_phone = all(r[kind]["html_via_sw"] and not r[kind]["html_transfer"] for r in mine)
                from_cache = sum(1 for r in mine for res in r[kind]["resources"]
                                 if res["transfer"] == 0 and (res["delivery"] or res["sw"])) / max(len(mine), 1)
                entry = {"page": name, "lang": lang, "kind": kind, "fcp_ms": fcp, "lcp_ms": lcp, "load_ms": load_ms,
                         "paint_bytes": painted, "bytes": moved, "paint_floor_ms": round(floor),
                         "load_floor_ms": round(load_floor),
                         "fcp_floor_ratio": round(fcp / floor, 2) if fcp else None,
                         "lcp_floor_ratio": round(lcp / floor, 2) if lcp else None,
                         "load_floor_ratio": round(load_ms / load_floor, 2) if load_ms else None,
                         "html_via_service_worker": html_sw, "html_from_phone": from_phone,
                         "resources_from_cache": from_cache,
                         "lcp_element": next((r[kind]["lcp_element"] for r in mine if r[kind]["lcp_element"]), None)}
                summary.append(entry)
                rows.append([f"{name} [{lang}] {kind}", fcp, lcp, painted, floor, entry["fcp_floor_ratio"],
                             entry["lcp_floor_ratio"], load_ms, moved, load_floor, entry["load_floor_ratio"],
                             f"{from_cache:.0f}" + (" +SW html" if html_sw else "")])
    external_css = sorted({sum(1 for res in r["cold"]["resources"] if res["type"] == "link" and ".css" in res["name"])
                           for r in runs})
    workers = sorted({r["service_worker"]["state"] + (", precached" if r["service_worker"].get("precached") else "")
                      for r in runs})
    table(f"2. Chromium {version}, Slow 3G (latency {LATENCY_MS} ms, {BYTES_PER_SECOND:,} B/s), "
          f"median of {repeats} (ms)",
          ["page [lang] load", "FCP", "LCP", "paint B", "floor", "FCP/fl.", "LCP/fl.", "onload", "all B",
           "load fl.", "onload/fl.", "cached res."],
          rows,
          "floor = latency + bytes / bandwidth (one round trip). paint B = document + stylesheets "
          f"(external stylesheets per page: {'/'.join(map(str, external_css))}; each adds a round trip\n"
          "before the first paint); all B = every byte of the load, for the onload floor.\n"
          "cached res. = resources served without network bytes (HTTP cache or service worker) per load; "
          "+SW html: the page came through the service worker\n(its bytes on the wire are read from the worker's "
          "network events).\n"
          f"service worker between visits: {'; '.join(workers)}")
    goals = []
    for name, label in (("service", "saved catalog page"), ("task", "saved checklist page")):
        for lang in LANGS:
            warm = next(e for e in summary if e["page"] == name and e["lang"] == lang and e["kind"] == "warm")
            cold = next(e for e in summary if e["page"] == name and e["lang"] == lang and e["kind"] == "cold")
            met = warm["fcp_ms"] is not None and warm["fcp_ms"] <= WARM_GOAL_MS
            goals.append([f"warm FCP, {label} [{lang}]", warm["fcp_ms"], f"<= {WARM_GOAL_MS} ms", cold["fcp_ms"],
                          "phone copy" if warm["html_from_phone"] else "network", "met" if met else "NOT met"])
    for d in downloads or []:
        met = d["catalog_bytes"] <= DOWNLOAD_GOAL
        goals.append([f"first visit download [{d['lang']}]", f"{d['catalog_bytes']:,} B / {d['catalog_requests']} req",
                      f"<= {DOWNLOAD_GOAL:,} B", f"shell {d['shell_bytes']:,} B / {d['shell_requests']} req", "",
                      "met" if met else "NOT met"])
    table("2b. Issue 17 goals: the warm visit and the first visit's background download",
          ["figure", "value", "goal", "cold / other", "document", ""], goals,
          "first visit download = what the service worker fetches for the offline catalog after a first,\n"
          "unthrottled visit to home (bytes as sent, from the server's access log; shell = sw.js and static files).")
    return {"chromium": version, "repeats": repeats, "network": SLOW_3G, "external_stylesheets": external_css,
            "summary": summary, "runs": runs, "first_visit_download": downloads or []}
