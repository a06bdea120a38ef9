// CNAS service worker: the app shell and the catalog of the reader's language stay on the
// phone; pages come from the network first; booking requests made offline wait in the outbox.
"use strict";
const VERSION = "{{ version }}";
const SHELL_CACHE = "cnas-shell-" + VERSION;
const PAGES_CACHE = "cnas-pages-v1";
const SHELL = {{ shell|tojson }};
const PAGE_TIMEOUT_MS = 4000;
const LANG = /^\/(ar|fr|en)\//;
// Never cached: anything personal or staff-only.
const NETWORK_ONLY = /^\/(api\/|kiosk|(ar|fr|en)\/(appointments|manage|book|staff|kiosk))/;
const BOOKING_POST = /^\/(ar|fr|en)\/book\/([^/]+)\/([^/]+)\/(review|confirm|waitlist)$/;
// A lobby tablet's own screens (nothing personal on them) are kept so the lobby works offline.
const KIOSK_PAGE = /^\/(kiosk|(ar|fr|en)\/kiosk\/(checkin|ticket)?)$/;
const KIOSK_POST = /^\/(ar|fr|en)\/kiosk\/(checkin|ticket)$/;

importScripts({{ outbox|tojson }});  // the outbox, shared with the pages

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
  if (data.type === "precache") event.waitUntil(precache(data.lang));
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

// Download what changed since the last time (by revision), drop what is gone.
async function precache(lang) {
  const response = await fetch(`/offline-manifest/${lang}.json`, { cache: "no-store" });
  if (!response.ok) return;
  const { entries } = await response.json();
  const cache = await caches.open(PAGES_CACHE);
  const known = await cache.match(`/__revisions__/${lang}`);
  const before = known ? await known.json() : {};
  const after = {};
  let fetched = 0;
  for (const { url, revision } of entries) {
    if (before[url] === revision && (await cache.match(url))) { after[url] = revision; continue; }
    try {
      // X-Precache: the page links the cached stylesheet instead of inlining it (smaller copies).
      const page = await fetch(url, { cache: "no-store", credentials: "omit", headers: { "X-Precache": "1" } });
      if (page.ok) { await cache.put(url, page); after[url] = revision; fetched += 1; }
    } catch (e) { /* network gone: the next visit finishes the job */ }
  }
  for (const url of Object.keys(before)) if (!(url in after) && !entries.some((e) => e.url === url)) await cache.delete(url);
  await cache.put(`/__revisions__/${lang}`, new Response(JSON.stringify(after)));
  for (const client of await self.clients.matchAll()) {
    client.postMessage({ type: "precached", lang, fetched, total: Object.keys(after).length });
  }
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
  if (request.method !== "GET" || NETWORK_ONLY.test(url.pathname)) return;
  if (url.pathname.startsWith("/static/")) { event.respondWith(fromCacheFirst(request)); return; }
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
    const entry = await Outbox.addFromForm(await copy.formData(), { lang, service, task, kind });
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
