// CNAS service worker: the app shell and the catalog of the reader's language stay on the
// phone. Catalog pages are shown from the phone's copy at once, and each such visit checks the
// revision manifest in the background (stale-while-revalidate: a changed page is fetched then,
// and shown at the next visit); other pages come from the network first; booking requests made
// offline wait in the outbox.
"use strict";
const VERSION = "{{ version }}";
const SHELL_CACHE = "cnas-shell-" + VERSION;
const PAGES_CACHE = "cnas-pages-v1";
const SHELL = {{ shell|tojson }};
const PAGE_TIMEOUT_MS = 4000;
const BUNDLE_FROM = 8;  // more pages to fetch than this: the language's whole bundle, in one request
const SAVED = new Set(["page", "checklist"]);  // kinds of saved pages shown from the phone first
const LANG = /^\/(ar|fr|en)\//;
// Never cached: anything personal or staff-only.
const NETWORK_ONLY = /^\/(api\/|kiosk|(ar|fr|en)\/(appointments|manage|book|staff|kiosk|apply))/;
const BOOKING_POST = /^\/(ar|fr|en)\/book\/([^/]+)\/([^/]+)\/(review|confirm|waitlist)$/;
// A lobby tablet's own screens (nothing personal on them) are kept so the lobby works offline.
const KIOSK_PAGE = /^\/(kiosk|(ar|fr|en)\/kiosk\/(checkin|ticket)?)$/;
const KIOSK_POST = /^\/(ar|fr|en)\/kiosk\/(checkin|ticket)$/;

// the outbox, shared with the pages; its senders of applications and of a lobby tablet's requests
importScripts({{ outbox|tojson }}, {{ outbox_apply|tojson }}, {{ outbox_kiosk|tojson }});

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== SHELL_CACHE && name !== PAGES_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
    await Outbox.sendAll().then(notifyOutbox).catch(() => {});
  })());
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "precache" && LANG.test(`/${data.lang}/`)) event.waitUntil(precache(data.lang));
  if (data.type === "skip-waiting") self.skipWaiting();
  // Which release this worker is (the page and the tests ask the worker that controls them).
  if (data.type === "version" && event.ports[0]) event.ports[0].postMessage({ version: VERSION, cache: SHELL_CACHE });
  if (data.type === "send-outbox") event.waitUntil(Outbox.sendAll({ force: true }).then(notifyOutbox));
});

self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") event.waitUntil(Outbox.sendAll().then(notifyOutbox));
});

async function notifyOutbox() {
  for (const client of await self.clients.matchAll()) client.postMessage({ type: "outbox-changed" });
}

// Check the revision manifest, download what changed since the last time, drop what is gone;
// then tell the pages. One check per language at a time (a visit and its page both ask).
const checking = {};
function precache(lang) {
  if (!checking[lang]) checking[lang] = revalidate(lang).finally(() => { delete checking[lang]; });
  return checking[lang].then(async (done) => {
    if (!done) return;
    for (const client of await self.clients.matchAll()) client.postMessage({ type: "precached", lang, ...done });
  }, () => {});
}

async function revalidate(lang) {
  // no-cache: the browser asks with If-None-Match, and an unchanged manifest costs a 304.
  const response = await fetch(`/offline-manifest/${lang}.json`, { cache: "no-cache" });
  if (!response.ok) return null;
  const { entries, texts } = await response.json();
  const cache = await caches.open(PAGES_CACHE);
  const known = await cache.match(`/__revisions__/${lang}`);
  const meta = known ? await known.json() : {};
  const before = meta.revisions || {};
  const after = {};
  const wanted = [];
  for (const entry of entries) {
    const saved = before[entry.url] === entry.revision && (await cache.match(entry.url));
    if (saved && saved.headers.get("X-Kind")) after[entry.url] = entry.revision;
    else wanted.push(entry);
  }
  let fetched = 0;
  if (wanted.length > BUNDLE_FROM) fetched += await fromBundle(lang, cache, wanted, after);
  for (const entry of wanted) {
    if (entry.url in after) continue;
    try {
      // X-Precache: the page links the cached stylesheet instead of inlining it (smaller copies).
      const page = await fetch(entry.url, { cache: "no-store", credentials: "omit", headers: { "X-Precache": "1" } });
      if (!page.ok) continue;
      await cache.put(entry.url, saveAs(entry, await page.text(), page.headers.get("Content-Type"), page.headers.get("Date")));
      after[entry.url] = entry.revision;
      fetched += 1;
    } catch (e) { /* network gone: the next visit finishes the job */ }
  }
  for (const url of Object.keys(before)) if (!(url in after) && !entries.some((e) => e.url === url)) await cache.delete(url);
  await cache.put(`/__revisions__/${lang}`, new Response(JSON.stringify({ revisions: after, texts })));
  return { fetched, total: Object.keys(after).length };
}

// The whole catalog of a language in one compressed request (a first visit, or a new release).
async function fromBundle(lang, cache, wanted, after) {
  let bundle, date;
  try {
    const response = await fetch(`/offline-bundle/${lang}.json`, { cache: "no-cache", credentials: "omit" });
    if (!response.ok) return 0;
    date = response.headers.get("Date");
    bundle = await response.json();
  } catch (e) { return 0; }
  const want = new Map(wanted.map((e) => [e.url, e]));
  let fetched = 0;
  for (const entry of bundle.entries) {
    const asked = want.get(entry.url);
    if (!asked) continue;
    // Saved under the bundle's own revision: if another server version answered (a deployment
    // under way), the next check fetches what still differs.
    await cache.put(entry.url, saveAs(entry, entry.body, entry.type, date));
    after[entry.url] = entry.revision;
    fetched += 1;
  }
  return fetched;
}

// A saved copy: its body, and what the worker needs to know about it in its headers.
function saveAs(entry, body, type, date) {
  const headers = { "Content-Type": type || "text/html; charset=utf-8", "X-Kind": entry.kind || "page",
                    "X-Revision": entry.revision, "X-Content": entry.content || entry.revision };
  if (date) headers.Date = date;
  return new Response(body, { headers });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && BOOKING_POST.test(url.pathname)) {
    event.respondWith(bookingPost(request, url));
    return;
  }
  if (request.method === "POST" && KIOSK_POST.test(url.pathname)) {
    event.respondWith(kioskPost(request, url));
    return;
  }
  if (request.method === "GET" && request.mode === "navigate" && KIOSK_PAGE.test(url.pathname)) {
    event.respondWith(kioskPage(request, url));
    return;
  }
  if (request.mode === "navigate" && LANG.test(url.pathname) && (request.method !== "GET" || NETWORK_ONLY.test(url.pathname))) {
    event.respondWith(fetch(request).catch(() => needsNetwork(url, request.method)));
    return;
  }
  if (request.method !== "GET" || NETWORK_ONLY.test(url.pathname)) return;
  if (url.pathname.startsWith("/static/")) { event.respondWith(fromCacheFirst(request)); return; }
  if (request.mode === "navigate" && !url.search) {
    event.respondWith(savedFirst(event, request, url));
    return;
  }
  if (request.mode === "navigate" || url.pathname.startsWith("/offline-index/")) {
    event.respondWith(networkFirst(request, url));
  }
});

async function fromCacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && new URL(request.url).searchParams.has("v")) {
    const cache = await caches.open(SHELL_CACHE);
    cache.put(request, response.clone());
  }
  return response;
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((r) => { clearTimeout(timer); resolve(r); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

async function networkFirst(request, url) {
  try {
    return await withTimeout(fetch(request), PAGE_TIMEOUT_MS);  // saved copies: precache() only
  } catch (e) {
    const cache = await caches.open(PAGES_CACHE);
    const cached = (await cache.match(url.pathname + url.search)) || (await cache.match(url.pathname));
    if (cached) return markOffline(cached);
    const lang = (url.pathname.match(LANG) || [null, "ar"])[1];
    const fallback = await cache.match(`/${lang}/offline`);
    return fallback ? markOffline(fallback) : new Response("Offline", { status: 503 });
  }
}

// A catalog page the phone holds is shown at once, and the manifest is checked in the background:
// what changed is fetched now and shown at the next visit. Anything else: network first.
async function savedFirst(event, request, url) {
  const cache = await caches.open(PAGES_CACHE);
  const saved = await cache.match(url.pathname);
  if (!saved || !SAVED.has(saved.headers.get("X-Kind"))) return networkFirst(request, url);
  // A lobby tablet (it keeps its start screen): the server's page has its layout and idle reset.
  if (await cache.match("/kiosk")) return networkFirst(request, url);
  const lang = (url.pathname.match(LANG) || [])[1];
  if (lang) event.waitUntil(precache(lang));
  let html = await saved.text();
  const when = saved.headers.get("Date") || "";
  const marks = [`data-saved-copy="${when}"`];
  if (self.navigator.onLine === false) marks.push(`data-offline-copy="${when}"`);
  if (saved.headers.get("X-Kind") === "checklist" && lang && (await changedSinceSeen(cache, url.pathname, saved))) {
    const meta = await cache.match(`/__revisions__/${lang}`);
    const text = meta ? ((await meta.json()).texts || {}).updated : "";
    if (text) html = html.replace("</h1>", `</h1>\n<p class="notice" role="status" id="updated">${escapeHtml(text)}</p>`);
  }
  html = html.replace("<html ", `<html ${marks.join(" ")} `);
  return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8",
                                         "X-Saved-Copy": saved.headers.get("X-Revision") || "" } });
}

// Whether the text of this checklist changed since this phone last showed it (and remember it).
async function changedSinceSeen(cache, path, saved) {
  const known = await cache.match("/__seen__");
  const seen = known ? await known.json() : {};
  const content = saved.headers.get("X-Content");
  const changed = !!seen[path] && seen[path] !== content;
  if (seen[path] !== content) {
    seen[path] = content;
    await cache.put("/__seen__", new Response(JSON.stringify(seen)));
  }
  return changed;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

// A page that needs the network, without it: the booking form of the phone (pwa/book.html) for a
// booking page, the application form of the phone (pwa/apply.html) for an application's page,
// else the offline page of its language (what works, what will happen), never the browser's
// error page. Nothing a form sent is lost: the page says nothing was sent.
async function needsNetwork(url, method) {
  const cache = await caches.open(PAGES_CACHE);
  const lang = url.pathname.match(LANG)[1];
  const booking = method === "GET" && /^\/\w\w\/book\/[^/]+\/[^/]+(\/waitlist)?$/.test(url.pathname);
  // An application's pages: the phone's application form (pwa/apply.html), filled from its draft.
  const applying = url.pathname.match(/^\/\w\w\/apply\/(?!status\/|done\/)([^/]+)\/([^/]+)/);
  if (applying && method !== "GET") return Response.redirect(`/${lang}/offline-apply?task=${applying[1]}/${applying[2]}`, 303);
  const page = (booking && (await cache.match(`/${lang}/offline-booking`)))
    || (applying && (await cache.match(`/${lang}/offline-apply`))) || (await cache.match(`/${lang}/offline`));
  return page || new Response("Offline", { status: 503 });
}

// Tell the page it is a copy kept on the phone, and from when.
async function markOffline(response) {
  const html = await response.text();
  const when = response.headers.get("Date") || "";
  const marked = html.replace("<html ", `<html data-offline-copy="${when}" `);
  return new Response(marked, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

// A booking form (or joining the waiting list) sent without network is kept in the outbox and
// sent later, exactly once.
async function bookingPost(request, url) {
  const copy = request.clone();
  try {
    return await fetch(request);
  } catch (e) {
    const [, lang, service, task, step] = url.pathname.match(BOOKING_POST);
    const kind = step === "waitlist" ? step : undefined;
    // The details step, as online, is shown back for a check before it is kept (pwa/book.html).
    const state = step === "review" ? "draft" : undefined;
    const entry = await Outbox.addFromForm(await copy.formData(), { lang, service, task, kind, state });
    if (state) return Response.redirect(`/${lang}/offline-booking?draft=${entry.id}`, 303);
    self.registration.sync && self.registration.sync.register("outbox").catch(() => {});
    return Response.redirect(`/${lang}/outbox?saved=${entry.id}`, 303);
  }
}

async function kioskPage(request, url) {
  const cache = await caches.open(PAGES_CACHE);
  try {
    const response = await withTimeout(fetch(request), PAGE_TIMEOUT_MS);
    if (response.ok && !url.search) await cache.put(url.pathname, response.clone());
    return response;
  } catch (e) {
    const cached = await cache.match(url.pathname);
    return cached ? markOffline(cached) : networkFirst(request, url);
  }
}

// The lobby lost its connection: keep the check-in or the ticket, and say so on the home screen.
async function kioskPost(request, url) {
  const copy = request.clone();
  try {
    return await fetch(request);
  } catch (e) {
    const [, lang, kind] = url.pathname.match(KIOSK_POST);
    const entry = await Outbox.addKiosk(kind, await copy.formData(), lang);
    self.registration.sync && self.registration.sync.register("outbox").catch(() => {});
    const number = entry.request.number ? `&number=${encodeURIComponent(entry.request.number)}` : "";
    return Response.redirect(`/${lang}/kiosk/?queued=${kind}${number}`, 303);
  }
}
