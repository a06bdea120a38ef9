"""Counts read right in Arabic: every count goes through ngettext, and the Arabic forms agree
with the number (3–10: plural; 11–99: singular, accusative; 100, 200 ...: singular).

Our catalog's Plural-Forms (Babel's for Arabic) numbers the six forms 0: zero, 1: one,
2: two, 3: 3–10, 4: 100–102 (n % 100 in 0..2), 5: 11–99 and the rest."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import ngettext

ROOT = Path(__file__).resolve().parent.parent
ARABIC = ROOT / "translations" / "ar" / "LC_MESSAGES" / "messages.po"
AFTER_COUNT = re.compile(r"%\(num\)d (\S+)")


@pytest.mark.parametrize(("singular", "plural", "expected"), [
    ("%(num)d result", "%(num)d results", {3: "3 نتائج", 10: "10 نتائج", 11: "11 نتيجةً", 100: "100 نتيجة"}),
    ("%(num)d person before you", "%(num)d people before you",
     {3: "3 أشخاص", 10: "10 أشخاص", 11: "11 شخصًا", 100: "100 شخص", 111: "111 شخصًا", 103: "103 أشخاص"}),
    ("This page updates itself every second.", "This page updates itself every %(num)d seconds.",
     {3: "3 ثوانٍ", 10: "10 ثوانٍ", 11: "11 ثانيةً", 100: "100 ثانية"}),
    ("%(num)d seat re-booked from the waiting list.", "%(num)d seats re-booked from the waiting list.",
     {3: "3 أماكن", 10: "10 أماكن", 11: "11 مكانًا", 15: "15 مكانًا", 100: "100 مكان"}),
    ("This deadline passed yesterday.", "This deadline passed %(num)d days ago.",
     {2: "منذ يومين", 3: "3 أيام", 11: "11 يومًا", 100: "100 يوم"}),
])
def test_arabic_counts_agree_with_their_number(app, singular, plural, expected):
    with app.test_request_context("/ar/"):
        for count, words in expected.items():
            assert words in ngettext(singular, plural, count), count


def test_the_agencies_page_counts_in_arabic(app, client):
    assert "3 وكالات" in client.get("/ar/agencies?q=الجزائر").soup.select_one("#agency-list .count").get_text()
    assert client.get("/ar/agencies?q=٠٩").soup.select_one("#agency-list .count").get_text() == "وكالة واحدة"


def plural_entries():
    with ARABIC.open("rb") as po:
        return [m for m in read_po(po) if m.pluralizable and all(m.string)]


def test_arabic_plural_forms_are_in_the_catalog_order():
    """Form 4 (100, 200 ...) takes the singular noun without tanween; form 5 (11–99) the
    accusative one, with tanween (15 مكانًا, 11 نتيجةً): the two must not be swapped."""
    wrong = []
    for message in plural_entries():
        hundred, eleven = (AFTER_COUNT.search(message.string[i]) for i in (4, 5))
        if hundred and (hundred.group(1).endswith("ا") or "ً" in hundred.group(1)):
            wrong.append(f"form 4 (100) of {message.id[0]!r}: {message.string[4]}")
        if eleven and "ً" not in eleven.group(1):
            wrong.append(f"form 5 (11–99) of {message.id[0]!r}: {message.string[5]}")
    assert plural_entries() and not wrong, "\n".join(wrong)


def test_every_count_goes_through_ngettext():
    """A message with a count (%(num)d) must have plural forms: gettext cannot make Arabic agree."""
    mapping = [("webapp/**.py", "python"), ("webapp/templates/**.html", "jinja2")]
    singular_counts = [f"{filename}:{line}: {message}"
                       for filename, line, message, _, _ in extract_from_dir(ROOT, mapping, keywords={
                           "_": None, "gettext": None, "_l": None, "ngettext": (1, 2)})
                       if isinstance(message, str) and "%(num)d" in message]
    assert not singular_counts, "\n".join(singular_counts)
