"""Deterministic demo data: the same rows on every run, so test suites see the same pages.

With WEBAPP_NOW=2026-12-01T09:00 (Tuesday): agency 16 (Algiers) has four desks and two
booked demo appointments; agency 09 (Blida, two desks) is full on Wednesday 2 December at
10:00; agency 16 is closed on Thursday 24 December 2026 (staff training).
"""

from datetime import UTC, date, datetime

from .booking.codes import check_character
from .clock import ALGIERS, to_utc
from .db import write_transaction
from .models import AgencySettings, Appointment, AuditEntry, Closure, Staff
from .staffing import accounts

DEMO_TIME = datetime(2026, 11, 1, tzinfo=UTC)
LARGE_AGENCIES = (16, 31, 25, 19)  # Algiers, Oran, Constantine, Sétif


def reference(body: str) -> str:
    return body + check_character(body)


# (reference body, agency, service, task, local start, name, phone)
APPOINTMENTS = [
    ("DEM2AAAA", "16", "death-grant", "claim-death-grant", "2026-12-02T09:00", "Amina Demo", "0550000001"),
    ("DEM2BBBB", "16", "work-accident", "declare-work-accident", "2026-12-02T09:15", "Karim Demo", "0660000002"),
    ("DEM2CCCC", "09", "family-allowances", "apply-family-allowances", "2026-12-02T10:00", "Samira Demo", "0770000003"),
    ("DEM2DDDD", "09", "death-grant", "claim-death-grant", "2026-12-02T10:00", "Yacine Demo", "0550000004"),
]
CLOSURES = [("16", date(2026, 12, 24), date(2026, 12, 24), "Staff training (demo)")]
# Demo staff accounts (username, role, agency, password): for demos and test suites only.
STAFF = [("demo-agent", "agent", "16", "Guichet-16-demo"),
         ("demo-supervisor", "supervisor", "16", "Chef-agence-16-demo"),
         ("demo-admin", "admin", None, "Siege-CNAS-demo")]
USERNAMES = frozenset(row[0] for row in STAFF)  # refused at sign-in outside demo mode


def load(catalog) -> dict[str, int]:
    """Reset the demo rows, and the settings of every agency no staff member has changed, to
    their demo values; return row counts (settings a supervisor changed are kept, and counted)."""
    changed = {row.agency for row in AuditEntry.select(AuditEntry.agency).where(AuditEntry.action == "settings")}
    settings = [
        {"code": a["code"], "desks": 4 if a["wilaya"] in LARGE_AGENCIES else 2, "slot_minutes": 15,
         "horizon_days": 30, "min_notice_minutes": 120, "updated_at": DEMO_TIME}
        for a in catalog.agencies if a["bookable"] and a["code"] not in changed
    ]
    references = [reference(row[0]) for row in APPOINTMENTS]
    with write_transaction():
        AgencySettings.delete().where(AgencySettings.code.in_([s["code"] for s in settings])).execute()
        AgencySettings.insert_many(settings).execute()
        Appointment.delete().where(Appointment.reference.in_(references)).execute()
        seats: dict[tuple, int] = {}
        for (body, agency, service, task, start, name, phone) in APPOINTMENTS:
            starts_at = to_utc(datetime.fromisoformat(start).replace(tzinfo=ALGIERS))
            seat = seats[(agency, starts_at)] = seats.get((agency, starts_at), -1) + 1
            Appointment.create(reference=reference(body), agency=agency, service_id=service,
                               task_id=task, starts_at=starts_at, seat=seat, full_name=name,
                               phone=phone, lang="fr", created_at=to_utc(DEMO_TIME))
        Closure.delete().where(Closure.reason.endswith("(demo)")).execute()
        for agency, first, last, reason in CLOSURES:
            Closure.create(agency=agency, first_day=first, last_day=last, reason=reason)
    for username, role, agency, password in STAFF:
        if not Staff.select().where(Staff.username == username).exists():
            accounts.create(username, password, role, agency, None, DEMO_TIME)
    return {"agency settings": len(settings), "agency settings kept (changed by staff)": len(changed),
            "appointments": len(APPOINTMENTS), "closures": len(CLOSURES),
            "staff accounts": len(STAFF)}
