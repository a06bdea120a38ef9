"""The issue's journey, on a cheap phone in Arabic at 360 px: start a voluntary affiliation, attach
two photos, lose the network in the middle of the second one, come back, finish; the application
arrives once with both; a supervisor asks for a missing document, the applicant adds it, it is
accepted; the SMS messages are in the demo inbox."""

import re

from playwright.sync_api import expect

from apply_helpers import CUT, big_photo, inbox, phone_at_the_document_page, photo, puts, received
from conftest import sign_in, sms_code, unique_phone


def test_apply_on_a_phone_then_a_missing_document_then_accepted(browser, server, tmp_path):
    base_url, number = server.url, unique_phone()
    page = phone_at_the_document_page(browser, base_url, CUT)
    phone = page.context
    page.get_by_label("التقط صورة أو اختر ملفا").set_input_files(photo((200, 0, 0)))  # the front
    page.get_by_role("button", name="إضافة هذا الملف").click()
    expect(page.get_by_role("button", name=re.compile("^احذف"))).to_have_count(1)
    sent_before = len(puts(page))

    page.evaluate("sessionStorage.cut = 'always'")  # the network goes during the back's upload
    page.get_by_label("التقط صورة أو اختر ملفا").set_input_files(
        {"name": "back.jpg", "mimeType": "image/jpeg", "buffer": big_photo()})
    page.get_by_role("button", name="إضافة هذا الملف").click()
    expect(page.get_by_role("status")).to_contain_text("انقطع الاتصال")
    phone.set_offline(True)
    page.wait_for_timeout(2500)  # a retry or two meet a real lost network
    page.evaluate("sessionStorage.cut = 'never'")
    phone.set_offline(False)  # back: it goes on from what the server has
    expect(page.get_by_role("button", name=re.compile("^احذف"))).to_have_count(2, timeout=40_000)
    second = [offset for _, offset in puts(page)[sent_before:]]
    assert second.count(0) == 1 and max(second) > 0, second  # never restarted at 0
    page.get_by_role("button", name="متابعة").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("تحقق من إجاباتك قبل الإرسال")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    page.screenshot(path=str(tmp_path / "check-ar-360.png"), full_page=True)
    page.get_by_role("checkbox").check()
    page.get_by_role("textbox", name="الهاتف النقال").fill(number)
    page.get_by_role("button", name="إرسال رمز التحقق").click()
    page.get_by_label("الرمز المستلم في الرسالة القصيرة").fill(sms_code(base_url, number))
    page.get_by_role("button", name="إرسال طلبي").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("تم إرسال الطلب")
    reference = re.sub(r"\W", "", page.locator(".reference strong").inner_text())
    if server.db:  # once, with both photos
        assert [row[1:] for row in received(server, number)] == [("received", 2, 0)]

    office = browser.new_context(base_url=base_url).new_page()
    sign_in(office, "demo-supervisor", "Chef-agence-16-demo")
    office.goto("/fr/staff/16/applications")
    office.get_by_role("link", name=re.compile(reference[:4])).click()
    expect(office.get_by_role("link", name=re.compile("pièce d'identité"))).to_have_count(2)
    office.get_by_label("Note pour le demandeur").fill("Le verso est flou")
    office.get_by_role("button", name="Demander ce document").click()
    expect(office.get_by_role("status")).to_be_visible()

    page.goto(f"/ar/apply/status?reference={reference}")
    page.get_by_role("textbox", name="الهاتف النقال").fill(number)
    page.get_by_role("button", name="إرسال رمز التحقق").click()
    page.get_by_label("الرمز المستلم في الرسالة القصيرة").fill(sms_code(base_url, number, count=2))
    page.get_by_role("button", name="عرض طلبي").click()
    expect(page.get_by_text("Le verso est flou")).to_be_visible()
    page.screenshot(path=str(tmp_path / "status-ar-360.png"), full_page=True)
    page.get_by_label("التقط صورة أو اختر ملفا").set_input_files(photo((0, 120, 0)))
    page.get_by_role("button", name="إضافة هذا الملف").click()
    page.get_by_role("button", name="إرسال الوثيقة إلى الوكالة").click()
    expect(page.get_by_text("تم الاستلام")).to_be_visible()

    office.reload()
    office.get_by_role("button", name="Accepter la demande").click()
    expect(office.get_by_role("status")).to_be_visible()
    page.reload()
    expect(page.get_by_text("مقبول", exact=True)).to_be_visible()
    kinds = inbox(base_url, number)
    for kind in ("app_received", "app_missing", "app_accepted"):
        assert kinds.count(kind) == 1, kinds
