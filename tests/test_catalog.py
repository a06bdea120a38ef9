"""The whole catalog: coverage of every CNAS service, and the rules every task must keep."""

import re

import pytest

from test_content import CONTENT, edit, problems
from webapp.catalog import load_catalog
from webapp.catalog.schema import FORM_CODE_IN_TEXT

# Every service the fund offers that the catalog must explain (issue: the complete catalog).
REQUIRED_SERVICES = {
    "insured": [
        "health-insurance", "sick-leave", "maternity", "invalidity", "death-grant",
        "work-accident", "occupational-disease", "family-allowances", "family-doctor",
        "children-glasses", "medical-control", "long-term-illnesses", "prior-agreement",
        "thermal-cures", "health-structures",
    ],
    "employers": [
        "employer-registration", "employee-affiliation", "annual-salary-declaration",
        "contributions", "hiring-reductions", "recovery-and-appeals", "employer-inspection",
    ],
    "others": ["voluntary-affiliation", "diaspora-affiliation", "listening-cell"],
}

CATALOG = load_catalog(CONTENT)
TASKS = [(s, t) for s in CATALOG.services for t in s["tasks"]]


def texts(value):
    """Every {ar, fr, en} text inside a content value."""
    if isinstance(value, dict):
        if set(value) == {"ar", "fr", "en"}:
            yield value
        else:
            for v in value.values():
                yield from texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from texts(v)


@pytest.mark.parametrize("category", REQUIRED_SERVICES)
def test_every_required_service_is_in_the_catalog(category):
    have = {s["id"] for s in CATALOG.services if s["category"] == category}
    missing = set(REQUIRED_SERVICES[category]) - have
    assert not missing, f"missing {category} services: {sorted(missing)}"


@pytest.mark.parametrize("service, task", TASKS, ids=[f"{s['id']}/{t['id']}" for s, t in TASKS])
def test_task_rules(service, task):
    assert task["no_documents"] or any(g["documents"] for g in task["checklist"])
    listed = {f["code"] for f in task["forms"]}
    for text in texts(task):
        for code in FORM_CODE_IN_TEXT.findall(text["fr"]):
            assert code.replace(" ", "") in listed
        assert re.search(r"[\u0600-\u06FF]", text["ar"])
        assert not re.search(r"[\u0600-\u06FF]", text["fr"] + text["en"]), text["fr"]
    if task["bookable"]:
        assert task["desk"]
    for deadline in task["deadlines"]:
        assert deadline["amount"] > 0 and deadline["event_label"]


def test_important_facts_are_structured():
    _, accident = CATALOG.task("work-accident", "declare-work-accident")
    assert {(d["amount"], d["unit"]) for d in accident["deadlines"]} >= {(24, "hours"), (48, "hours")}
    assert {"AT01", "AT03"} <= {f["code"] for f in accident["forms"]}
    _, grant = CATALOG.task("death-grant", "claim-death-grant")
    assert (4, "years", "death") in {(d["amount"], d["unit"], d["event"]) for d in grant["deadlines"]}
    disease = CATALOG.service("occupational-disease")["tasks"][0]
    assert {(d["kind"], d["amount"], d["unit"]) for d in disease["deadlines"]} == {
        ("min", 15, "days"), ("max", 3, "months")
    }
    assert {"AT16", "AT17"} <= {f["code"] for f in disease["forms"]}
    family = CATALOG.service("family-allowances")["tasks"][0]
    amounts = {(a["value"], a["unit"]) for a in family["amounts"]}
    assert amounts >= {(600, "DZD"), (300, "DZD"), (800, "DZD"), (400, "DZD")}
    illnesses = CATALOG.service("long-term-illnesses")["tasks"][0]
    assert len([n for n in illnesses["notes"] if re.match(r"^\d+", n["text"]["fr"])]) == 26
    _, stations = CATALOG.task("thermal-cures", "thermal-stations")
    joined = " ".join(t["fr"] for t in texts(stations))
    for station in ("Boughrara", "Righa", "Guergour", "Meskhoutine", "Salihine"):
        assert station in joined


def test_malformed_deadline_is_reported(content):
    edit(content / "services" / "death-grant.toml", 'unit = "years"', 'unit = "fortnights"')
    found = problems(content)
    assert len(found) == 1 and "deadlines[0].unit: Must be one of" in found[0]


def test_malformed_amount_is_reported(content):
    edit(content / "services" / "family-allowances.toml", "value = 600", 'value = "six hundred"')
    found = problems(content)
    assert len(found) == 1 and ".value: Not a valid number." in found[0]


def test_task_without_documents_or_marker_is_reported(content):
    edit(content / "services" / "listening-cell.toml", "no_documents = true", "no_documents = false")
    found = problems(content)
    assert any("checklist: no documents: list them, or set no_documents = true" in p for p in found)
