"""Reports mark the days an agency was closed; chart labels fit and read in their own
direction; the settings say what "cannot be booked" means."""

from datetime import date

from bs4 import BeautifulSoup

from test_staff import office, sign_in  # noqa: F401 (the fixture)
from webapp.models import Closure
from webapp.staffing import charts, reports


def test_closed_days_are_the_weekend_holidays_and_closures(office):  # noqa: F811
    Closure.create(agency="16", first_day=date(2026, 12, 8), last_day=date(2026, 12, 8), reason="Travaux")
    days = {d.day.isoformat(): d.closed for d in reports.build("16", date(2026, 12, 3), date(2026, 12, 8)).days}
    assert days == {"2026-12-03": None, "2026-12-04": "closed", "2026-12-05": "closed", "2026-12-06": None,
                    "2026-12-07": None, "2026-12-08": "closure"}
    national = reports.build(None, date(2026, 11, 1), date(2026, 11, 1)).days  # 1 November, a public holiday
    assert [d.closed for d in national] == ["holiday"]


def test_the_report_page_marks_closed_days_on_the_chart_and_the_table(office):  # noqa: F811
    client = office.test_client()
    sign_in(client, "super16")
    soup = client.get("/fr/staff/reports?from=2026-12-01&to=2026-12-07").soup
    marked = [g.text.strip("\u2068\u2069") for g in soup.select("#chart-days g.bar.marked text:first-child")]
    assert marked == ["4 déc. (fermée)", "5 déc. (fermée)"]
    assert [tr["data-day"] for tr in soup.select("#t-days tr.closed")] == ["2026-12-04", "2026-12-05"]
    arabic = client.get("/ar/staff/reports?from=2026-12-01&to=2026-12-07").soup
    assert arabic.select_one("#t-days tr.closed th bdi").get_text() == "4 ديسمبر (مغلقة)"


def test_long_chart_labels_are_drawn_in_the_room_there_is():
    svg = BeautifulSoup(charts.bar_chart("c", "t", [("x" * 27, 1), ("y" * 40, 2)], rtl=True), "html.parser")
    short, long = svg.select("g.bar text:first-child")
    assert not short.get("textlength")
    assert float(long["textlength"]) == charts.ROOM <= charts.LABEL  # squeezed into the label column
    assert long.text == "\u2068" + "y" * 33 + "…\u2069"  # cut, and isolated from the picture's direction
    assert charts.FITS * 9 <= charts.ROOM  # 9 px a character at most: a label of FITS characters fits


def test_the_setting_says_walk_ins_still_come(office):  # noqa: F811
    client = office.test_client()
    sign_in(client, "super16")
    soup = client.get("/en/staff/16/settings").soup
    fieldset = soup.find("input", attrs={"name": "not_bookable"}).find_parent("fieldset")
    assert fieldset.legend.get_text(strip=True) == "Procedures that cannot be booked at this agency"
    hint = soup.find(id=fieldset["aria-describedby"]).get_text()
    assert "can still come without an appointment" in hint
