"""What the online-application journeys share: a phone in Arabic, photos, the demo inbox, the
way to the first document's page, and a network that drops chunks on demand."""

import io
import json
import sqlite3
import urllib.request

from PIL import Image, ImageFilter

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "ar-DZ", "timezone_id": "Africa/Algiers"}
START = "/ar/apply/voluntary-affiliation/join-voluntary-affiliation"


def photo(colour) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (1200, 800), colour).save(out, "JPEG")
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def inbox(base_url, phone) -> list[str]:
    with urllib.request.urlopen(f"{base_url}/api/v1/demo/messages?to={phone}") as response:
        return [m["kind"] for m in json.loads(response.read())]


def to_the_document_page(page):
    """The questions and the agency answered: the first document's page."""
    page.goto(START)
    page.get_by_role("button", name="ابدأ الآن").click()
    page.get_by_role("radio", name="أملك أو أسيّر نشاطا غير مسجل في أي سجل قانوني").check()
    page.get_by_role("button", name="متابعة").click()
    page.get_by_role("textbox", name="ما هو النشاط الذي تمارسه؟").fill("خياطة في البيت")
    page.get_by_role("button", name="متابعة").click()
    page.get_by_role("textbox", name="ما هو اسمك الكامل؟").fill("أمينة بن علي")
    page.get_by_role("button", name="متابعة").click()
    page.get_by_role("combobox").select_option("16")
    page.get_by_role("button", name="متابعة").click()
    page.wait_for_url("**/document/identity")


def phone_at_the_document_page(browser, base_url, *scripts):
    """A new phone at the first document's page of a new application; `scripts` run before
    each of its pages."""
    page = browser.new_context(base_url=base_url, **PHONE).new_page()
    for script in scripts:
        page.add_init_script(script)
    to_the_document_page(page)
    return page


def big_photo() -> bytes:
    """A 2400×1800 noisy photo of over 1 MB: still over one chunk once downscaled."""
    noise = Image.effect_noise((2400, 1800), 50).filter(ImageFilter.GaussianBlur(1.8))
    out = io.BytesIO()
    Image.merge("RGB", (noise, noise.rotate(180), noise.transpose(Image.FLIP_LEFT_RIGHT))).save(out, "JPEG", quality=95)
    assert len(out.getvalue()) > 1024 * 1024
    return out.getvalue()


# What the status line said, kept across the reload that shows the new file.
SAID = """document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("d-status");
  const keep = () => { sessionStorage.said = (sessionStorage.said || "") + "|" + status.textContent; };
  if (status) new MutationObserver(keep).observe(status, {childList: true, characterData: true, subtree: true});
});"""


# The network "drops" for a chunk: its fetch fails as a cut connection does (before it leaves).
# sessionStorage.cut: "once" (the first chunk after the first), "always" (every one after the
# first) or "never"; every chunk's (upload id, offset) goes to sessionStorage.puts.
# (page.route missed these PUTs now and then: the cut must happen every time.)
CUT = """const realFetch = window.fetch;
window.fetch = function (url, init) {
  const put = /\\/uploads\\/([0-9a-f]{32})\\?offset=(\\d+)/.exec(String(url));
  if (put) {
    const at = Number(put[2]), puts = JSON.parse(sessionStorage.puts || "[]"), cut = sessionStorage.cut || "once";
    puts.push([put[1], at]);
    sessionStorage.puts = JSON.stringify(puts);
    if (at > 0 && (cut === "always" || cut === "once" && !sessionStorage.wasCut)) {
      sessionStorage.wasCut = String(at);
      return Promise.reject(new TypeError("Failed to fetch"));
    }
  }
  return realFetch.apply(this, arguments);
};"""


def puts(page) -> list:
    return page.evaluate("JSON.parse(sessionStorage.puts || '[]')")


def received(server, phone) -> list[tuple]:
    """(id, status, documents, made by a phone's outbox) of each application sent with `phone`
    (the suite's own server: its SQLite file)."""
    with sqlite3.connect(server.db) as db:
        return db.execute(
            "SELECT a.id, a.status, (SELECT COUNT(*) FROM application_document d WHERE d.application = a.id),"
            " a.client_key IS NOT NULL FROM application a WHERE a.phone = ?", (phone,)).fetchall()
