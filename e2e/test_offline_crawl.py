"""Offline, no dead ends: with the phone's copy complete and the network off, every same-origin
link and every form of every saved page leads to a page of ours, never to the browser's error page.

The saved pages are what the worker put in Cache Storage (not a hand list); their links and forms
are read from those copies, and from the live page of every target visited (what JavaScript adds).
Targets are deduplicated by what they are: one task page per service, one booking page for all
procedures, one of each other address and of each form.
"""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from test_offline import precache

MAX_VISITS = 150  # a bound, far above what the catalog needs (about 40 a language)

# Every link and form of a document: [href], and forms as {method, action, fields, js}.
READ_PAGE = """(doc) => ({
  links: [...doc.querySelectorAll("a[href]")].map((a) => new URL(a.getAttribute("href"), location.href).href),
  forms: [...doc.querySelectorAll("form")].filter((f) => !f.closest("template")).map((f) => ({
    method: (f.getAttribute("method") || "get").toLowerCase(),
    action: f.hasAttribute("action") ? new URL(f.getAttribute("action"), location.href).href : null,
    fields: [...f.elements].filter((e) => e.name).map((e) => e.name).sort(),
  })),
})"""

READ_LIVE = "() => (" + READ_PAGE + ")(document)"

# The saved pages of the worker, and what each one links to.
SAVED = """async () => {
  const read = """ + READ_PAGE + """;
  const cache = await caches.open("cnas-pages-v1");
  const out = {};
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    const url = new URL(request.url);
    if (!(response.headers.get("Content-Type") || "").startsWith("text/html")) continue;
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const base = doc.createElement("base");
    base.href = url.href;
    doc.head.prepend(base);
    out[url.pathname + url.search] = read(doc);
  }
  return out;
}"""


def kind_of(url: str, saved: set[str]) -> str:
    """What a target is, for the worker: catalog ids wildcarded (a saved task page keeps its
    service: one visit a service; the booking pages, the pages of another language, the answers of
    a page's helper forms in its query are each one visit for all)."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/").split("/")
    query = sorted(k for k, _ in parse_qsl(parts.query, keep_blank_values=True))
    if len(path) >= 4 and path[2] in ("services", "book"):
        keep = path[2] == "services" and len(path) == 5 and parts.path in saved and not query
        path = path[:3] + [path[3] if keep else "*"] + ["*" for _ in path[4:]]
        query = ["…"] if query else []
    return "/".join(path) + "?" + "&".join(query)


def our_page(page) -> str | None:
    """Why the page is not one of ours (None when it is)."""
    if page.url.startswith("chrome-error://"):
        return "the browser's error page"
    if not page.locator("header.top").count() or not page.locator("main#main h1").count():
        return "a page without our layout: " + page.content()[:120]
    return None


def fill_and_submit(page, index: int) -> None:
    """Submit the `index`-th form of the page with valid values in its empty required fields."""
    page.evaluate("""(i) => {
      const form = [...document.querySelectorAll("form")].filter((f) => !f.closest("template"))[i];
      const day = new Date(Date.now() + 864e5).toISOString().slice(0, 10);
      const valid = { tel: "0550123456", date: day, email: "", text: "Hors Ligne", search: "accident" };
      for (const input of form.querySelectorAll("input, select, textarea")) {
        if (input.closest("[hidden]") || input.value || !input.required) continue;
        if (input.tagName === "SELECT") input.selectedIndex = input.options.length > 1 ? 1 : 0;
        else input.value = valid[input.type] ?? "Hors Ligne";
      }
      // A form with an action is sent as without JavaScript (htmx would keep it in the page);
      // one without is the page's own (its script handles it).
      if (form.hasAttribute("action")) HTMLFormElement.prototype.submit.call(form);
      else form.requestSubmit();
    }""", index)


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_no_link_or_form_of_a_saved_page_ends_on_the_browsers_error_page(context, page, lang):
    precache(page, lang)
    context.set_offline(True)
    pages = page.evaluate(SAVED)
    saved = set(pages)
    assert len([u for u in saved if re.fullmatch(rf"/{lang}/services/[^/]+/[^/]+", u)]) > 20, sorted(saved)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))

    todo: list[tuple[str, str]] = []  # (url, where it was found)
    forms: list[tuple[str, dict, str]] = []  # (page url, form, where)
    seen_targets: set[str] = set()
    seen_forms: set[tuple] = set()

    def learn(where: str, found: dict) -> None:
        for link in found["links"]:
            url = link.split("#")[0]
            if not url.startswith(origin):
                continue
            key = kind_of(url, saved)
            if key not in seen_targets:
                seen_targets.add(key)
                todo.append((url, where))
        for form in found["forms"]:
            target = kind_of(form["action"] or where, saved)
            if "*" in target:  # the helpers of catalog pages: one of each kind for all
                target, fields = re.sub(r"/services/[^/]+", "/services/*", target), ()
            else:
                fields = tuple(form["fields"])
            key = (form["method"], target, bool(form["action"]), fields)
            if key not in seen_forms:
                seen_forms.add(key)
                forms.append((where, form, key))

    for url in sorted(saved):  # every saved page is a target, and its links and forms are known
        learn(origin + url, pages[url])
        key = kind_of(origin + url, saved)
        if key not in seen_targets:
            seen_targets.add(key)
            todo.append((origin + url, "the phone's copy"))

    dead: list[str] = []
    visits = 0
    while todo or forms:
        assert visits < MAX_VISITS, f"more than {MAX_VISITS} targets: is the deduplication right? {todo[:5]}"
        visits += 1
        if todo:
            url, where = todo.pop(0)
            try:
                page.goto(url)
            except PlaywrightError as exc:
                dead.append(f"{url} (linked from {where}): {exc.message.splitlines()[0]}")
                settle(page)
                continue
            why = our_page(page)
            if why:
                dead.append(f"{url} (linked from {where}): {why}")
                continue
            learn(page.url, page.evaluate(READ_LIVE))
            continue
        where, form, key = forms.pop(0)
        try:
            page.goto(where)
            index = page.evaluate(READ_LIVE)["forms"].index(form)
            with page.expect_navigation() if form["action"] else _no_navigation():
                fill_and_submit(page, index)
            page.wait_for_load_state()
        except PlaywrightError as exc:
            dead.append(f"form {key} on {where}: {exc.message.splitlines()[0]}")
            settle(page)
            continue
        why = our_page(page)
        if why:
            dead.append(f"form {key} on {where}: {why}")
        else:
            learn(page.url, page.evaluate(READ_LIVE))
    context.set_offline(False)
    assert not dead, "dead ends offline:\n" + "\n".join(dead)
    print(f"{lang}: {len(saved)} saved pages, {visits} targets and forms tried")


def settle(page) -> None:
    """After a failed navigation, let the browser finish showing its error page, so that the next
    visit is not interrupted by it."""
    try:
        page.wait_for_url(re.compile(r"^chrome-error://"), timeout=3_000)
    except PlaywrightError:
        pass


class _no_navigation:
    """A form handled by the page's script (no action): it must stay on a page of ours."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
