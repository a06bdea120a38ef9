"""An online application on a cheap phone in Arabic, without any script needed: questions, two
photos, check your answers, SMS code; a supervisor asks for a missing document, the applicant
adds it, it is accepted; the SMS messages are in the demo inbox."""

import io
import json
import re
import urllib.request

from PIL import Image
from playwright.sync_api import expect

from conftest import sign_in, sms_code, unique_phone

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


def test_apply_on_a_phone_then_a_missing_document_then_accepted(browser, base_url, tmp_path):
    number = unique_phone()
    phone = browser.new_context(base_url=base_url, **PHONE)
    page = phone.new_page()
    to_the_document_page(page)
    for count, colour in enumerate(((200, 0, 0), (0, 0, 200)), 1):  # front and back
        page.get_by_label("التقط صورة أو اختر ملفا").set_input_files(photo(colour))
        page.get_by_role("button", name="إضافة هذا الملف").click()
        expect(page.get_by_role("button", name=re.compile("^احذف"))).to_have_count(count)
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
