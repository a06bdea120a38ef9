"""Phone numbers, e-mails, web addresses and form codes inside Arabic text read left to right."""

import re

import pytest
from bs4 import BeautifulSoup
from markupsafe import Markup

from test_catalog import TASKS
from webapp.bidi import LTR_RUN, isolate

# What must never be left bare in an Arabic page: a phone number or an e-mail address.
PHONE = re.compile(r"\b0\d{2,3}(?:[ .]\d{2}){3}\b")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


@pytest.mark.parametrize("text, isolated", [
    ("الهاتف 021 91 22 04، البريد", ["021 91 22 04"]),
    ("اتصل بـ 0555 12 34 56 أو 021.73.87.19.", ["0555 12 34 56", "021.73.87.19"]),
    ("راسل celluleecoutealger@cnas.dz.", ["celluleecoutealger@cnas.dz"]),
    ("نزّلها من موقع الصندوق cnas.dz وطباعتها", ["cnas.dz"]),
    ("على البوابة teledeclaration.cnas.dz.", ["teledeclaration.cnas.dz"]),
    ("انظر https://www.cnas.dz/formulaires، ثم", ["https://www.cnas.dz/formulaires"]),
    ("الاستمارة AT01 والشهادة (AT 03) وشهادة ATS", ["AT01", "AT 03", "ATS"]),
])
def test_left_to_right_pieces_are_isolated(text, isolated):
    html = isolate(text)
    assert isinstance(html, Markup)
    assert [p.replace("\u00a0", " ") for p in re.findall(r'<bdi dir="ltr">(.*?)</bdi>', html)] == isolated
    shown = BeautifulSoup(html, "html.parser").get_text()
    assert shown.replace("\u00a0", " ") == text  # nothing lost, nothing added


def test_a_phone_number_is_never_split_across_lines():
    assert str(isolate("الهاتف 021 91 22 04")) == 'الهاتف <bdi dir="ltr">021\u00a091\u00a022\u00a004</bdi>'


@pytest.mark.parametrize("text", [
    "15.000 دج أو أقل", "1.000.000 دج", "2,5% بدلا من 25%", "القانون 83-14 المؤرخ في 2 جويلية 1983",
    "خلال 48 ساعة", "من الطفل الأول إلى الخامس",
])
def test_amounts_dates_and_laws_are_left_alone(text):
    assert isolate(text) == text


def test_the_text_is_escaped_and_french_is_untouched():
    assert str(isolate('<script>alert(1)</script> 021 91 22 04')) == (
        '&lt;script&gt;alert(1)&lt;/script&gt; <bdi dir="ltr">021\u00a091\u00a022\u00a004</bdi>')
    assert str(isolate("Tél. 021 91 22 04 & e-mail a@cnas.dz", rtl=False)) == "Tél. 021 91 22 04 &amp; e-mail a@cnas.dz"


def test_every_phone_and_email_of_the_catalog_is_caught():
    """Whatever the content says, each phone number and e-mail in an Arabic text is one isolated run."""
    seen = 0
    for _, task in TASKS:
        for text in _texts(task):
            for found in PHONE.findall(text) + EMAIL.findall(text):
                seen += 1
                assert any(m.group() == found for m in LTR_RUN.finditer(text)), (found, text)
    assert seen >= 2  # the listening cell's phone and e-mail at least


def _texts(value):
    if isinstance(value, dict):
        if "ar" in value:
            yield value["ar"]
        else:
            for v in value.values():
                yield from _texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)


def _bare(soup) -> list[str]:
    """Phone numbers and e-mails of the page's main text that are not inside an LTR-isolated element."""
    found = []
    for node in soup.find("main").find_all(string=True):
        if node.find_parent(attrs={"dir": "ltr"}):
            continue
        found += PHONE.findall(node) + EMAIL.findall(node)
    return found


def test_arabic_task_pages_isolate_them(client):
    page = client.get("/ar/services/listening-cell/contact-listening-cell")
    assert '<bdi dir="ltr">021\u00a091\u00a022\u00a004</bdi>' in page.get_data(as_text=True)
    assert '<bdi dir="ltr">celluleecoutecommunication@cnas.dz</bdi>' in page.get_data(as_text=True)
    for service, task in TASKS:
        soup = client.get(f"/ar/services/{service['id']}/{task['id']}").soup
        assert not _bare(soup), (service["id"], task["id"], _bare(soup))


def test_french_pages_need_no_isolation(client):
    body = client.get("/fr/services/listening-cell/contact-listening-cell").get_data(as_text=True)
    assert "021 91 22 04" in body and "<bdi" not in body


def test_arabic_agency_page_isolates_phones_and_emails(client):
    soup = client.get("/ar/agencies").soup
    assert soup.find("a", href="tel:021438851", dir="ltr")
    assert not _bare(soup)


def test_form_codes_read_left_to_right(client):
    soup = client.get("/ar/services/work-accident/declare-work-accident").soup
    codes = soup.select("#checklist .code, .forms .code")
    assert {c.get_text() for c in codes} == {"AT01", "AT03"}
    assert all(c.get("dir") == "ltr" for c in codes)
