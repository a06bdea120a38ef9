"""Facts kept as the fund's pages state them (seeds/004), and one wording for the same thing."""

import re

import pytest

from test_catalog import CATALOG, texts


def _own(value):
    """The content without the estimators' sections (they have their own owner and tests)."""
    if isinstance(value, dict):
        return {k: _own(v) for k, v in value.items() if k != "estimators"}
    if isinstance(value, list):
        return [_own(v) for v in value]
    return value


EVERY_TEXT = [t for s in CATALOG.services for t in texts(_own(s))] + [t for a in CATALOG.agencies for t in texts(a)]
FUND_NAME = "الصندوق الوطني للتأمينات الاجتماعية للعمال الأجراء"
YEAR = re.compile(r"^(19[5-9]\d|20[0-4]\d)$")


def documents(service_id, task_id) -> list[str]:
    _, task = CATALOG.task(service_id, task_id)
    return [d["text"]["en"] for g in task["checklist"] for d in g["documents"]]


@pytest.mark.parametrize("service_id, task_id", [
    ("invalidity", "apply-invalidity-pension"),  # no document list in the source
    ("children-glasses", "get-children-glasses"),  # "no formality but the prescription"
    ("children-glasses", "renew-children-glasses"),  # "on simple presentation of a prescription"
])
def test_no_chifa_card_where_the_source_asks_for_none(service_id, task_id):
    assert not [d for d in documents(service_id, task_id) if "Chifa" in d]
    _, task = CATALOG.task(service_id, task_id)
    assert "Chifa" not in task["summary"]["en"]


def test_the_employers_48_hours_run_from_when_it_learned_of_the_accident():
    """seeds/004: "dans les quarante huit (48) heures de sa prise de connaissance"."""
    _, task = CATALOG.task("work-accident", "declare-work-accident")
    (employer,) = [d for d in task["deadlines"] if (d["amount"], d["unit"]) == (48, "hours")]
    assert employer["event"] != "accident"
    assert "learned" in employer["event_label"]["en"] and "learning" in employer["text"]["en"]
    assert {d["event"] for d in task["deadlines"] if d["amount"] in (24, 4)} == {"accident"}


def test_the_fund_named_in_full_has_its_full_official_name():
    for text in EVERY_TEXT:
        for match in re.finditer("الصندوق الوطني للتأمينات الاجتماعية", text["ar"]):
            assert text["ar"].startswith(FUND_NAME, match.start()), text["ar"]


def test_arabic_numbers_have_one_format():
    """Western digits; "." between thousands and "," before decimals, as Babel prints ar_DZ."""
    for text in EVERY_TEXT:
        ar = text["ar"]
        assert not re.search(r"[\u0660-\u0669\u06F0-\u06F9]", ar), ar
        assert not re.search(r"\d \d{3}\b", ar), ar  # a space between thousands reads backwards in RTL
        assert not re.search(r"\d\.\d(?!\d{2})", ar), ar  # a decimal point (the decimal sign is ",")
        for number in re.findall(r"(?<![\d.,-])\d{4,}(?![\d-])", ar):
            assert YEAR.match(number), (number, ar)


def test_one_term_for_faute_inexcusable_and_the_high_plateaus():
    both = [t for t in EVERY_TEXT if "inexcusable" in t["fr"]]
    assert both and all("خطأ غير معذور" in t["ar"] for t in both)
    plateaus = [t for t in EVERY_TEXT if "Hauts Plateaux" in t["fr"]]
    assert plateaus and all("High Plateaus" in t["en"] for t in plateaus)
    for text in EVERY_TEXT:
        assert not re.search(r"Highlands|High Plains|Highland", text["en"]), text["en"]
