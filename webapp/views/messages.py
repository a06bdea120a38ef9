"""Translated texts for the codes the booking domain and schemas return."""

from flask_babel import lazy_gettext as _l

FIELD_ERRORS = {
    "required": _l("This field is required."),
    "invalid": _l("This value is not valid."),
    "name": _l("Write your name with letters only, as on your identity card."),
    "name_length": _l("Your full name must have 2 to 120 characters."),
    "phone": _l("Write a mobile number starting with 05, 06 or 07 and 10 digits in all, e.g. 0550 12 34 56."),
    "phone_abroad": _l("Write an Algerian mobile number, e.g. 0550 12 34 56, or a number abroad with its country "
                       "code, starting with + or 00, e.g. +33 6 12 34 56 78 or 0033 6 12 34 56 78."),
    "email": _l("This e-mail address is not valid."),
    "ssn": _l("The social security number has 12 digits."),
    "date": _l("Choose a real date."),
    "time": _l("Choose a time from the list."),
    "slot": _l("Choose a slot length from the list."),
    "desks": _l("Between 1 and 50 desks."),
    "horizon": _l("Between 1 and 180 days."),
    "notice": _l("Between 0 and 2,880 minutes (two days)."),
    "order": _l("The end must come after the start."),
    "reason": _l("Give a reason of 3 to 200 characters: people will read it."),
    "period": _l("Choose a time of day from the list."),
}

STAFF_MESSAGES = {
    "done": _l("Done."),
    "already": _l("Already done by someone else: nothing changed."),
    "refused": _l("Not possible in this state: the list has been refreshed."),
    "nobody": _l("Nobody is waiting."),
    "invalid": _l("Wrong username or password."),
    "rate_limited": _l("Too many attempts. Wait a few minutes, then try again."),
    "short": _l("The password must have at least 10 characters."),
    "common": _l("This password is too easy to guess: avoid common words, names, dates, keyboard rows and "
                 "the username. A phrase of several unusual words is best."),
    "role": _l("Choose a role."),
    "agency": _l("Agents and supervisors belong to an agency: choose one."),
    "taken": _l("This username is already used."),
    "unknown_account": _l("This account does not exist."),
    "unknown_device": _l("This tablet is not enrolled at this agency."),
    "unknown_closure": _l("This closure does not exist."),
    "unknown_action": _l("This action does not exist."),
    "ticket_number": _l("This ticket number was not issued by this tablet."),
    "username": _l("Choose a username of 3 to 60 letters, digits, dots, dashes or underscores."),
    "resent": _l("The message is queued again: it will be sent in a moment."),
    "not_failed": _l("Only a failed message can be sent again: this one is not (or no longer) failed."),
}

KIOSK_MESSAGES = {
    "not_today": _l("Your appointment is not today. Check the date, or ask at the reception."),
    "not_enrolled": _l("This device is not a lobby tablet."),
}


def domain_message(code: str) -> str:
    """The translated text of a domain error's code (a generic one for an unknown code)."""
    for texts in (BOOKING_ERRORS, APPLY_ERRORS, STAFF_MESSAGES, KIOSK_MESSAGES, FIELD_ERRORS):
        if code in texts:
            return str(texts[code])
    return str(FIELD_ERRORS["invalid"])

BOOKING_ERRORS = {
    "unknown_agency": _l("This agency does not take appointments."),
    "not_bookable": _l("This procedure does not need an appointment."),
    "not_bookable_here": _l("This agency does not take appointments for this procedure. Choose another agency."),
    "past": _l("This day has already passed."),
    "too_far": _l("Appointments can only be booked a limited number of days ahead."),
    "holiday": _l("The agency is closed on this public holiday."),
    "closure": _l("The agency is closed on this day."),
    "closed": _l("The agency does not receive visitors on this day of the week."),
    "not_a_slot": _l("This time is not one of the agency's appointment times."),
    "too_soon": _l("This time is too close: choose a later one."),
    "slot_full": _l("Sorry, this time was just taken by someone else. Here are the nearest free times."),
    "same_task": _l("You already have an appointment for this procedure."),
    "limit": _l("You already have the maximum number of upcoming appointments."),
    "not_cancellable": _l("This appointment can no longer be changed."),
    "not_found": _l("No appointment matches this reference and phone number."),
    "rate_limited": _l("Too many attempts. Wait a few minutes, then try again."),
    "busy": _l("Many people are being served at this moment: please try again."),
    "idempotency_busy": _l("This request is already being handled. Check “My appointment” in a moment."),
    "idempotency_key": _l("Send an Idempotency-Key header (1 to 100 characters)."),
    "idempotency_mismatch": _l("This Idempotency-Key was used for a different request."),
    "unknown_task": _l("Unknown procedure: give task=service/task."),
    "full_day": _l("No free time is left on this day."),
    "hold_expired": _l("The code was not typed in time, so this time went back on sale. Please book again."),
    "not_held": _l("This appointment is not waiting for a code."),
    "code_wrong": _l("This code is not right. Check the last SMS from CNAS and type its 6 digits."),
    "code_expired": _l("This code no longer works. Ask for a new code."),
    "code_tries": _l("Too many wrong codes: this code no longer works. Ask for a new code."),
}


# What to do when a field was left empty, said for that field (GOV.UK: not "This field is required").
MISSING = {
    "full_name": _l("Enter your full name, as on your identity card."),
    "phone": _l("Enter your mobile number, like 0555 12 34 56."),
    "agency": _l("Choose an agency."),
    "date": _l("Choose a day."),
    "time": _l("Choose a time from the list."),
    "first_day": _l("Enter the first day that suits you."),
    "last_day": _l("Enter the last day that suits you."),
    "reference": _l("Enter the reference you received, like ABCD-EFGH-K."),
}


def field_errors(messages: dict) -> dict[str, list[str]]:
    """marshmallow's {field: [code]} as {field: [translated text]}."""
    return {
        name: [str(MISSING[name] if code == "required" and name in MISSING
                   else FIELD_ERRORS.get(code, FIELD_ERRORS["invalid"])) for code in _codes(errs)]
        for name, errs in messages.items()
    }


def _codes(errors):
    if isinstance(errors, dict):
        return [code for value in errors.values() for code in _codes(value)]
    return [e if isinstance(e, str) else "invalid" for e in errors]

STATUS_LABELS = {
    "held": _l("To confirm"), "expired": _l("Not confirmed in time"),
    "booked": _l("Booked"), "arrived": _l("Arrived"), "called": _l("Called"), "served": _l("Served"),
    "no_show": _l("Did not come"), "cancelled": _l("Cancelled"),
}
# The desk types of the kiosk's ticket menu (staffing.lobby.DESK_TYPES).
DESK_LABELS = {
    "benefits": _l("Benefits and reimbursements"), "affiliation": _l("Affiliation and registration"),
    "employers": _l("Employers"), "medical": _l("Medical control"), "listening": _l("Listening cell"),
    "other": _l("Other question"),
}
ACTION_LABELS = {
    "arrive": _l("Arrived"), "call": _l("Call"), "serve": _l("Served"), "no_show": _l("Did not come"),
    "cancel": _l("Cancel"),
}
# What the audit log says of each action (desk actions reuse ACTION_LABELS).
AUDIT_LABELS = {
    "call_next": _l("Called the next person"), "ticket_serve": _l("Ticket served"),
    "ticket_no_show": _l("Ticket: did not come"), "settings": _l("Agency settings changed"),
    "bookable_tasks": _l("Procedures that cannot be booked at this agency changed"), "closure_add": _l("Closure added"),
    "closure_remove": _l("Closure removed"), "holiday_open": _l("Opened on a public holiday"),
    "kiosk_enrol": _l("Lobby tablet enrolled"), "kiosk_revoke": _l("Lobby tablet revoked"),
    "account_create": _l("Account created"), "account_deactivate": _l("Account deactivated"),
    "resend_message": _l("Message sent again"),
}
ROLE_LABELS = {"agent": _l("Agent"), "supervisor": _l("Supervisor"), "admin": _l("Administrator")}
MESSAGE_KIND_LABELS = {
    "confirmed": _l("Confirmation"), "reminder": _l("Reminder (the day before)"),
    "reminder_soon": _l("Reminder (a few hours before)"), "cancelled": _l("Cancellation"),
    "moved": _l("New time"), "affected": _l("Change at the agency"), "code": _l("One-time code"),
    "offer": _l("Waiting list: a place is free"), "waitlist": _l("Waiting list: joined"),
    "queue_position": _l("Lobby: your turn is near"),
}
MESSAGE_STATUS_LABELS = {
    "queued": _l("Waiting to be sent"), "sending": _l("Being sent"), "sent": _l("Sent"),
    "delivered": _l("Delivered"), "failed": _l("Failed"), "cancelled": _l("Withdrawn (not sent)"),
}
CHANNEL_LABELS = {"sms": _l("SMS"), "email": _l("E-mail")}

# Online applications (webapp/applications/): refused uploads (upload_<code>) and the flow's rules.
APPLY_ERRORS = {
    "upload_empty": _l("The file is empty. Choose the photo or PDF again."),
    "upload_too_big": _l("The file is larger than 10 MB. Take the photo again at a lower size, or send a "
                         "smaller PDF."),
    "upload_type": _l("This file is not a photo (JPEG, PNG or WebP) or a PDF. Choose a photo or a PDF."),
    "upload_pixels": _l("This image is too large (more than 40 megapixels). Take the photo again at a lower size."),
    "upload_hidden": _l("This image contains something other than a picture, so it was refused. Take a new "
                        "photo of the document."),
    "upload_active": _l("This PDF contains scripts, attachments or a form, so it was refused. Send a photo "
                        "or a plain PDF instead."),
    "upload_encrypted": _l("This PDF is protected by a password. Send it without a password, or a photo."),
    "upload_pages": _l("This PDF has more than 10 pages. Send only the pages of this document."),
    "upload_bomb": _l("This PDF is too large once opened. Send a photo of each page instead."),
    "upload_damaged": _l("This file is damaged or incomplete. Choose it again, or take a new photo."),
    "no_file": _l("Choose a photo or a PDF to add."),
    "too_many_files": _l("You cannot add more files to this document. Remove one first."),
    "incomplete": _l("Some answers or documents are still missing: see the list below."),
    "declaration": _l("Tick the box to make your declaration."),
    "answer_required": _l("Answer the question to continue."),
    "answer_invalid": _l("This answer is not valid. Choose one of the options, or write at most the number of "
                         "characters shown."),
    "already": _l("Someone else changed this application first: the page has been refreshed."),
    "unknown_document": _l("Choose a document from the list."),
    "wrong_offset": _l("This part of the file does not follow the part received: send on from the size received."),
}
APPLICATION_STATUS_LABELS = {
    "draft": _l("Not sent yet"), "received": _l("Received"), "under_review": _l("Under review"),
    "missing_document": _l("A document is missing"), "accepted": _l("Accepted"), "refused": _l("Refused"),
}
AUDIT_LABELS.update({
    "application_review": _l("Application: review started"),
    "application_missing": _l("Application: document asked for"),
    "application_accepted": _l("Application accepted"), "application_refused": _l("Application refused"),
    "application_visit": _l("Application: visit booked to finish it"),
})
MESSAGE_KIND_LABELS.update({
    "app_received": _l("Application received"), "app_review": _l("Application under review"),
    "app_missing": _l("Application: a document is missing"), "app_accepted": _l("Application accepted"),
    "app_refused": _l("Application refused"), "app_visit": _l("Application: visit booked to finish it"),
})
