"""What each message says, in the person's language, written for SMS.

An SMS in the GSM-7 alphabet holds 160 characters (153 a part when concatenated); one that
needs any other character is sent as UCS-2: 70 (67 a part). Every Arabic text fits in two
UCS-2 parts and every French or English one in a single GSM-7 part, with the longest agency
name and reference (tests/test_notify.py proves it). French and English texts are made
GSM-7 safe by `gsm_safe` (ê→e, — → -), as operators do, so one accent never triples the cost.
"""

import re
from datetime import datetime

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from ..clock import from_utc

# GSM 03.38: the basic character set, and the extension table (each costs two characters).
GSM_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
             "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = "^{}\\[~]|€\f"
TO_GSM = str.maketrans({"ê": "e", "ë": "e", "â": "a", "á": "a", "î": "i", "ï": "i", "í": "i", "ô": "o",
                        "ó": "o", "û": "u", "ú": "u", "ç": "c", "È": "E", "Ê": "E", "À": "A", "Â": "A",
                        "Î": "I", "Ô": "O", "—": "-", "–": "-", "’": "'", "‘": "'", "«": '"', "»": '"',
                        "\u00a0": " ", "\u202f": " ", "…": "..."})

# The first words of every agency name, which the sender id ("CNAS") already says.
LONG_PREFIX = {
    "ar": re.compile(r"^وكالة الصندوق الوطني للتأمينات الاجتماعية (للعمال الأجراء )?(ل?ولاية )?"),
    "fr": re.compile(r"^Agence CNAS (de |d')"),
    "en": re.compile(r"^CNAS agency of "),
}
SHORT_PREFIX = {"ar": "وكالة ", "fr": "", "en": ""}


def segments(text: str) -> tuple[str, int]:
    """("gsm7" or "ucs2", how many SMS parts `text` takes)."""
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text):
        length = len(text) + sum(c in GSM_EXTENDED for c in text)
        return "gsm7", 1 if length <= 160 else -(-length // 153)
    length = len(text.encode("utf-16-le")) // 2
    return "ucs2", 1 if length <= 70 else -(-length // 67)


def gsm_safe(text: str) -> str:
    return text.translate(TO_GSM)


def place_name(agency: dict, lang: str) -> str:
    """The agency's name without the words every agency shares: "Adrar", "أدرار",
    "Alger — régime général" (its full name when it has no such words, e.g. the head office)."""
    return LONG_PREFIX[lang].sub("", agency["name"][lang])


def agency_name(agency: dict, lang: str) -> str:
    """The agency's name as an SMS says it: "Adrar", "وكالة أدرار", "Alger - régime général"."""
    short = place_name(agency, lang)
    return short if short == agency["name"][lang] else SHORT_PREFIX[lang] + short


def _shown(url: str) -> str:
    """A link as an SMS shows it: phones link "rdv.cnas.dz/..." without its "https://"."""
    return url.removeprefix("https://")


def short_link(reference: str) -> str:
    """The manage link of an SMS: PUBLIC_URL/m/REFERENCE, which opens the lookup form."""
    return _shown(f"{current_app.config['PUBLIC_URL']}/m/{reference}")


def _when(starts_at: datetime) -> dict:
    start = from_utc(starts_at)
    return {"day": start.strftime("%d/%m"), "time": start.strftime("%H:%M")}


def appointment_text(kind: str, appointment, agency: dict) -> str:
    """The SMS (and e-mail) text of `kind` about `appointment`, in the appointment's language."""
    lang = appointment.lang
    values = {**_when(appointment.starts_at), "agency": agency_name(agency, lang), "ref": appointment.reference,
              "link": short_link(appointment.reference), "home": _shown(current_app.config["PUBLIC_URL"])}
    with force_locale(lang):
        texts = {
            "confirmed": _("Appointment %(day)s %(time)s, %(agency)s, ref %(ref)s. Can't come? "
                           "Free your place for someone else: %(link)s", **values),
            "reminder": _("Reminder: appointment %(day)s %(time)s, %(agency)s. Can't come? "
                          "Cancel to free your place for someone else: %(link)s", **values),
            "reminder_soon": _("Your appointment is today at %(time)s, %(agency)s, ref %(ref)s. "
                               "Can't come? Free your place for someone else: %(link)s", **values),
            "cancelled": _("Appointment %(ref)s of %(day)s %(time)s is cancelled. Your place goes to "
                           "someone else. Book again: %(home)s", **values),
            "moved": _("Appointment %(ref)s moved to %(day)s %(time)s, %(agency)s. Can't come? "
                       "Free your place for someone else: %(link)s", **values),
            "affected": _("%(agency)s changed its hours: appointment %(ref)s of %(day)s %(time)s is "
                          "affected. Choose another time: %(link)s", **values),
        }
    return texts[kind] if lang == "ar" else gsm_safe(texts[kind])


def code_text(code: str, lang: str, until: datetime) -> str:
    """A one-time code (confirming a booking, or proving a phone), good until `until`."""
    with force_locale(lang):
        text = _("CNAS code: %(code)s, valid until %(time)s. Never give it to anyone, even an agent.",
                 code=code, time=until.strftime("%H:%M"))
    return text if lang == "ar" else gsm_safe(text)


def offer_link(reference: str) -> str:
    """The link of an offer's SMS: PUBLIC_URL/o/REFERENCE, the page that takes it."""
    return _shown(f"{current_app.config['PUBLIC_URL']}/o/{reference}")


def offer_text(appointment, agency: dict, code: str, until: datetime) -> str:
    """A seat offered to a person of the waiting list: when, where, the code, until when."""
    lang = appointment.lang
    values = {**_when(appointment.starts_at), "agency": agency_name(agency, lang), "code": code,
              "until": until.strftime("%H:%M"), "link": offer_link(appointment.reference)}
    with force_locale(lang):
        text = _("A place is free: %(day)s %(time)s, %(agency)s. Take it with code %(code)s before "
                 "%(until)s: %(link)s", **values)
    return text if lang == "ar" else gsm_safe(text)


def waitlist_text(entry, agency: dict) -> str:
    """Joining the waiting list: its reference, and what happens next."""
    lang = entry.lang
    values = {"ref": entry.reference, "agency": agency_name(agency, lang),
              "first": entry.first_day.strftime("%d/%m"), "last": entry.last_day.strftime("%d/%m")}
    with force_locale(lang):
        text = _("Waiting list %(ref)s, %(agency)s, %(first)s-%(last)s. We will send an SMS as soon as "
                 "a place is free.", **values)
    return text if lang == "ar" else gsm_safe(text)


def queue_link(token: str, lang: str) -> str:
    """The live page of a place in the lobby queue, PUBLIC_URL/<lang>/q/<token> (views/queue.py)."""
    return _shown(f"{current_app.config['PUBLIC_URL']}/{lang}/q/{token}")


def queue_text(number: str, ahead: int, token: str, lang: str, agency: dict) -> str:
    """The SMS of a lobby ticket whose turn is near: "you are next but `ahead`"."""
    values = {"agency": agency_name(agency, lang), "number": number, "link": queue_link(token, lang)}
    with force_locale(lang):
        if ahead:
            text = ngettext("%(agency)s: ticket %(number)s, %(num)d person before you. Please come back to the "
                            "waiting room: %(link)s",
                            "%(agency)s: ticket %(number)s, %(num)d people before you. Please come back to the "
                            "waiting room: %(link)s", ahead, **values)
        else:
            text = _("%(agency)s: ticket %(number)s, you are next. Please come back to the waiting room now: "
                     "%(link)s", **values)
    return text if lang == "ar" else gsm_safe(text)


def application_link(reference: str, lang: str) -> str:
    """The status page of an application, PUBLIC_URL/<lang>/apply/status/<reference> (views/apply.py)."""
    return _shown(f"{current_app.config['PUBLIC_URL']}/{lang}/apply/status/{reference}")


def application_text(kind: str, reference: str, lang: str) -> str:
    """A change of an online application (kinds app_*): what happened, and where to read more."""
    values = {"ref": reference, "link": application_link(reference, lang)}
    with force_locale(lang):
        texts = {
            "app_received": _("CNAS: application %(ref)s received. We will send an SMS when it changes: "
                              "%(link)s", **values),
            "app_review": _("CNAS: application %(ref)s is being reviewed: %(link)s", **values),
            "app_missing": _("CNAS: application %(ref)s needs one more document. See which and add it: "
                             "%(link)s", **values),
            "app_accepted": _("CNAS: application %(ref)s is accepted. See what comes next: %(link)s", **values),
            "app_refused": _("CNAS: application %(ref)s is refused. See the reason: %(link)s", **values),
        }
    return texts[kind] if lang == "ar" else gsm_safe(texts[kind])


def visit_text(appointment, agency: dict) -> str:
    """"Come in to finish": the visit staff booked for an applicant (kind app_visit), with its
    day, time, agency, reference and the link that changes or cancels it."""
    lang = appointment.lang
    values = {**_when(appointment.starts_at), "agency": agency_name(agency, lang), "ref": appointment.reference,
              "link": short_link(appointment.reference)}
    with force_locale(lang):
        text = _("CNAS: come to finish your application on %(day)s at %(time)s, %(agency)s. Appointment %(ref)s: "
                 "%(link)s", **values)
    return text if lang == "ar" else gsm_safe(text)


def subject(kind: str, lang: str) -> str:
    """The e-mail subject of `kind`."""
    with force_locale(lang):
        return {
            "confirmed": _("Your CNAS appointment is confirmed"),
            "reminder": _("Reminder: your CNAS appointment"),
            "reminder_soon": _("Reminder: your CNAS appointment"),
            "cancelled": _("Your CNAS appointment is cancelled"),
            "moved": _("Your CNAS appointment has moved"),
            "affected": _("Your CNAS appointment is affected by a change at the agency"),
            "code": _("Your CNAS code"),
        }[kind]
