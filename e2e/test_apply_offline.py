"""An online application on a phone in Arabic whose network goes away: mid-upload (it goes on
from what the server has once the network is back), and before the end (the phone's own
application form, filled from what was given so far, then the outbox sends it once)."""

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from conftest import confirm_in_outbox, sms_code, unique_phone
from test_apply import PHONE, inbox, photo, to_the_document_page
from test_apply_upload import CUT, big_photo, puts

FILE = "التقط صورة أو اختر ملفا"
ADD = "إضافة هذا الملف"
REMOVE = re.compile("^احذف")


def precached(page):
    page.goto("/ar/")
    expect(page.locator("html[data-precached=ar]")).to_have_count(1, timeout=30_000)


def received(server, phone) -> list[tuple]:
    """(id, status, documents, made by a phone's outbox) of each application sent with `phone`."""
    with sqlite3.connect(server.db) as db:
        return db.execute(
            "SELECT a.id, a.status, (SELECT COUNT(*) FROM application_document d WHERE d.application = a.id),"
            " a.client_key IS NOT NULL FROM application a WHERE a.phone = ?", (phone,)).fetchall()


@pytest.fixture
def phone_page(browser, server):
    if server.db is None:
        pytest.skip("counting the applications needs the suite's own server")
    context = browser.new_context(base_url=server.url, **PHONE)
    yield context, context.new_page()
    context.close()


def test_network_lost_mid_upload_then_back_the_application_arrives_once(phone_page, server, tmp_path):
    context, page = phone_page
    number = unique_phone()
    page.add_init_script(CUT)
    to_the_document_page(page)
    page.get_by_label(FILE).set_input_files(photo((200, 0, 0)))
    page.get_by_role("button", name=ADD).click()
    expect(page.get_by_role("button", name=REMOVE)).to_have_count(1)
    sent_before = len(puts(page))

    page.evaluate("sessionStorage.cut = 'always'")  # the network goes during the second photo
    page.get_by_label(FILE).set_input_files({"name": "back.jpg", "mimeType": "image/jpeg", "buffer": big_photo()})
    page.get_by_role("button", name=ADD).click()
    expect(page.get_by_role("status")).to_contain_text("انقطع الاتصال")
    context.set_offline(True)
    page.wait_for_timeout(2500)  # a retry or two meet a real lost network
    page.evaluate("sessionStorage.cut = 'never'")
    context.set_offline(False)
    expect(page.get_by_role("button", name=REMOVE)).to_have_count(2, timeout=40_000)
    second = [offset for _, offset in puts(page)[sent_before:]]
    assert second.count(0) == 1 and max(second) > 0, second  # went on from the server's offset

    page.get_by_role("button", name="متابعة").click()
    page.get_by_role("checkbox").check()
    page.get_by_role("textbox", name="الهاتف النقال").fill(number)
    page.get_by_role("button", name="إرسال رمز التحقق").click()
    page.get_by_label("الرمز المستلم في الرسالة القصيرة").fill(sms_code(server.url, number))
    page.get_by_role("button", name="إرسال طلبي").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("تم إرسال الطلب")
    assert [r[1:] for r in received(server, number)] == [("received", 2, 0)]
    assert inbox(server.url, number).count("app_received") == 1


def test_finished_without_network_then_sent_once_from_the_outbox(phone_page, server, tmp_path):
    context, page = phone_page
    number = unique_phone()
    precached(page)
    to_the_document_page(page)  # the answers, given online, are kept on the phone as well
    page.get_by_label(FILE).set_input_files(photo((200, 0, 0)))
    page.get_by_role("button", name=ADD).click()
    expect(page.get_by_role("button", name=REMOVE)).to_have_count(1)

    context.set_offline(True)
    page.get_by_label(FILE).set_input_files(photo((0, 0, 200)))
    page.get_by_role("button", name=ADD).click()
    expect(page.get_by_role("status")).to_contain_text("الملف محفوظ في هذا الهاتف")
    page.get_by_role("button", name="متابعة").click()

    # The phone's application form, filled from its draft: every answer and both photos.
    expect(page.get_by_role("heading", level=1)).to_have_text("الانتساب الطوعي إلى الضمان الاجتماعي")
    expect(page.get_by_role("radio", name="أملك أو أسيّر نشاطا غير مسجل في أي سجل قانوني")).to_be_checked()
    expect(page.get_by_role("textbox", name="ما هو النشاط الذي تمارسه؟")).to_have_value("خياطة في البيت")
    expect(page.get_by_role("textbox", name="ما هو اسمك الكامل؟")).to_have_value("أمينة بن علي")
    expect(page.get_by_role("combobox")).to_have_value("16")
    expect(page.locator(".oa-doc:not([hidden]) .files li")).to_have_count(2)
    page.get_by_role("button", name="الإرسال عند عودة الشبكة").click()
    errors = page.get_by_role("alert")
    expect(errors).to_contain_text("ضع علامة في الخانة")  # the declaration and the phone are asked for
    page.get_by_role("checkbox").check()
    page.get_by_role("textbox", name="الهاتف النقال").fill(number)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "offline-apply-ar-360.png"), full_page=True)
    page.get_by_role("button", name="الإرسال عند عودة الشبكة").click()
    expect(page.locator("#outbox li[data-state=queued]")).to_have_count(1)
    assert received(server, number) == []  # nothing left the phone

    context.set_offline(False)  # the page sends on 'online' (or the worker, on Background Sync)
    done = confirm_in_outbox(page, server.url, number)
    expect(done).to_have_count(1, timeout=15_000)
    expect(done.get_by_role("link", name="متابعة طلبي")).to_be_visible()
    page.screenshot(path=str(tmp_path / "outbox-sent-ar-360.png"), full_page=True)
    rows = received(server, number)
    assert [r[1:] for r in rows] == [("received", 2, 1)], rows  # once, with both photos, by the outbox
    assert inbox(server.url, number).count("app_received") == 1
    left = page.evaluate("""new Promise(ok => { const r = indexedDB.open('cnas-apply');
        r.onsuccess = () => { const q = r.result.transaction('drafts').objectStore('drafts').count();
        q.onsuccess = () => ok(q.result); }; })""")
    assert left == 0  # arrived: nothing personal stays on the phone
