"""An online application on a phone in Arabic whose network goes away before the end (the
network lost mid-upload is e2e/test_apply.py): the phone's own application form, filled from
what was given so far, then the outbox sends it once."""

import re

import pytest
from playwright.sync_api import expect

from apply_helpers import PHONE, inbox, photo, received, to_the_document_page
from conftest import confirm_in_outbox, sms_code, unique_phone

FILE = "التقط صورة أو اختر ملفا"
ADD = "إضافة هذا الملف"
REMOVE = re.compile("^احذف")


def precached(page):
    page.goto("/ar/")
    expect(page.locator("html[data-precached=ar]")).to_have_count(1, timeout=30_000)


@pytest.fixture
def phone_page(browser, server):
    if server.db is None:
        pytest.skip("counting the applications needs the suite's own server")
    context = browser.new_context(base_url=server.url, **PHONE)
    yield context, context.new_page()
    context.close()


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
    page.screenshot(path=str(tmp_path / "kept-ar-360.png"), full_page=True)
    expect(page.get_by_label(FILE)).to_have_value("")  # kept once: the field is free for the next one
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
    held = page.locator("#outbox li[data-state=held]")
    expect(held).to_contain_text("وصل طلبك ووثائقه", timeout=15_000)  # files there, the code to type
    page.screenshot(path=str(tmp_path / "outbox-held-ar-360.png"), full_page=True)
    held.get_by_role("button", name="لم تصلك الرسالة؟ أرسل رمزا جديدا").click()  # no SMS: a new code
    expect(held.get_by_role("status")).to_be_visible()
    sms_code(server.url, number, count=2)
    done = confirm_in_outbox(page, server.url, number)  # with the newest code
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


def test_a_file_the_server_refuses_is_said_on_my_requests(phone_page, server):
    """A "photo" chosen without network that is no image: the phone cannot tell, the server can;
    the outbox says why, and nothing arrives."""
    context, page = phone_page
    number = unique_phone()
    precached(page)
    to_the_document_page(page)
    context.set_offline(True)
    page.get_by_label(FILE).set_input_files({"name": "photo.jpg", "mimeType": "image/jpeg",
                                             "buffer": b"<script>alert(1)</script>" * 40})
    page.get_by_role("button", name=ADD).click()
    expect(page.get_by_role("status")).to_contain_text("الملف محفوظ في هذا الهاتف")
    page.get_by_role("button", name="متابعة").click()
    page.get_by_role("checkbox").check()
    page.get_by_role("textbox", name="الهاتف النقال").fill(number)
    page.get_by_role("button", name="الإرسال عند عودة الشبكة").click()
    expect(page.locator("#outbox li[data-state=queued]")).to_have_count(1)
    context.set_offline(False)
    refused = page.locator("#outbox li[data-state=refused]")
    expect(refused).to_contain_text("لم يُقبل", timeout=15_000)
    expect(refused).to_contain_text("ليس صورة")  # the server's reason, in the phone's language
    assert [row[1] for row in received(server, number)] == []  # no phone confirmed, nothing sent
