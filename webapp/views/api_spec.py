"""The OpenAPI document of /api/v1, built with apispec from the marshmallow schemas."""

from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from ..booking import schemas
from .api_apply import ApplicationRequest


class I18n(Schema):
    ar = fields.String(required=True)
    fr = fields.String(required=True)
    en = fields.String(required=True)


class Agency(Schema):
    code = fields.String(required=True)
    kind = fields.String(required=True)
    wilaya = fields.Integer(required=True)
    bookable = fields.Boolean(required=True)
    name = fields.Nested(I18n, required=True)
    address = fields.Nested(I18n, required=True)
    listening_phone = fields.String(required=True)
    phones = fields.List(fields.String(), required=True)
    email = fields.String(required=True)


class SlotOut(Schema):
    start = fields.String(required=True, metadata={"format": "date-time"})
    time = fields.String(required=True)
    remaining = fields.Integer(required=True)


class Day(Schema):
    date = fields.String(required=True, metadata={"format": "date"})
    free = fields.Integer(required=True)


class Availability(Schema):
    agency = fields.String(required=True)
    task = fields.String(required=True)
    date = fields.String(required=True, metadata={"format": "date"})
    closed_reason = fields.String(required=True, allow_none=True)
    closed_message = fields.String(required=True, allow_none=True)
    slots = fields.List(fields.Nested(SlotOut), required=True)
    next_days = fields.List(fields.Nested(Day), required=True)


class AppointmentOut(Schema):
    reference = fields.String(required=True)
    agency = fields.String(required=True)
    service = fields.String(required=True)
    task = fields.String(required=True)
    start = fields.String(required=True, metadata={"format": "date-time"})
    date = fields.String(required=True, metadata={"format": "date"})
    time = fields.String(required=True)
    status = fields.String(required=True, metadata={
        "enum": ["held", "expired", "booked", "arrived", "called", "served", "no_show", "cancelled"],
        "description": "held: waits for the code sent by SMS until hold_until, then expired if "
                       "not confirmed; booked once confirmed"})
    moved_to_nearby_slot = fields.Boolean(required=True)
    hold_until = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    answers = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "the checklist answers kept with the visit: its documents are those that apply"})
    manage_url = fields.String()
    confirm_url = fields.String(metadata={"description": "where to POST the code (held bookings)"})


class WaitlistOut(Schema):
    reference = fields.String(required=True)
    agency = fields.String(required=True)
    service = fields.String(required=True)
    task = fields.String(required=True)
    first_day = fields.String(required=True, metadata={"format": "date"})
    last_day = fields.String(required=True, metadata={"format": "date"})
    period = fields.String(required=True, metadata={"enum": ["any", "morning", "afternoon"]})
    status = fields.String(required=True, metadata={"enum": ["waiting", "offered", "booked", "left", "ended"]})
    position = fields.Integer(required=True, allow_none=True, metadata={"description": "1: first in line"})
    offer = fields.Nested(AppointmentOut, required=True, allow_none=True,
                          metadata={"description": "the seat held for this entry: confirm it with the SMS code"})


class UploadOut(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True)
    size = fields.Integer(required=True)
    received = fields.Integer(required=True, metadata={"description": "bytes stored so far: go on from there"})
    done = fields.Boolean(required=True)


class ApplicationOut(Schema):
    reference = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": [
        "draft", "received", "under_review", "missing_document", "accepted", "refused"]})
    service = fields.String(required=True)
    task = fields.String(required=True)
    uploads = fields.List(fields.Nested(UploadOut), required=True)
    chunk = fields.Integer(required=True, metadata={"description": "the most bytes one PUT may carry"})
    status_url = fields.String(metadata={"description": "where the applicant follows it (once sent)"})


class UploadState(Schema):
    id = fields.String(required=True)
    size = fields.Integer(required=True)
    received = fields.Integer(required=True)
    chunk = fields.Integer(required=True)
    document = fields.Integer(required=True, allow_none=True)


class PhoneRequest(Schema):
    phone = fields.String(required=True, metadata={"example": "0555123456"})


class CodeRequest(Schema):
    code = fields.String(required=True, metadata={"description": "the 6 digits of the SMS", "example": "123456"})


class ErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), data_key="fields")
    alternatives = fields.List(fields.Nested(SlotOut))
    retry_after = fields.Integer(metadata={"description": "seconds to wait (429 of a limit)"})
    tries_left = fields.Integer(metadata={"description": "tries left for this code (code_wrong)"})


class Error(Schema):
    error = fields.Nested(ErrorBody, required=True)


def _errors(*codes):
    error = {"description": "Error (translated by Accept-Language)",
             "content": {"application/json": {"schema": "Error"}}}
    return {str(c): error for c in codes}


def _ok(schema, code=200, description="OK"):
    return {str(code): {"description": description, "content": {"application/json": {"schema": schema}}}}


PHONE = {"name": "phone", "in": "query", "required": True, "schema": {"type": "string"},
         "description": "The mobile number given when booking"}
REFERENCE = {"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}


@lru_cache(maxsize=1)
def build_spec() -> dict:
    """The OpenAPI 3.0 document (built once per process)."""
    spec = APISpec(
        title="CNAS appointments API", version="1.0.0", openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": (
            "Agencies, availability and appointments of the CNAS. Errors share one shape, "
            "translated by Accept-Language (ar, fr, en). POST /appointments requires an "
            "Idempotency-Key header: the same key with the same body returns the first answer "
            "and creates nothing; with another body, 422; while the first is processed, 409. "
            "Keys are kept at least 7 days. Lookups by reference are rate-limited and answer "
            "404 alike for an unknown reference or a wrong phone number. "
            "A booking is first `held`: its seat is kept until `hold_until` (30 minutes; 6 hours "
            "with `queued: true`, for a request a phone queued offline) while a 6-digit code goes "
            "by SMS to its phone; POST the code to /appointments/{reference}/confirm to make it "
            "`booked`. A hold not confirmed in time becomes `expired` and its seat is free again. "
            "Codes die after 5 wrong tries; new holds are limited per client address, phone and "
            "device (429 with Retry-After). When no time fits, POST /waitlist: when a seat frees up, "
            "the first entry whose days and time of day fit gets it as a held booking (`offer`), "
            "taken with the code sent by SMS like any hold.")},
    )
    for name, schema in (("Agency", Agency), ("Availability", Availability), ("Appointment", AppointmentOut),
                         ("Error", Error), ("BookingRequest", schemas.Booking), ("CodeRequest", CodeRequest),
                         ("WaitlistEntry", WaitlistOut), ("WaitlistRequest", schemas.Wish),
                         ("RescheduleRequest", schemas.Reschedule(exclude=("reference", "phone"))),
                         ("ApplicationRequest", ApplicationRequest), ("Application", ApplicationOut),
                         ("UploadState", UploadState), ("PhoneRequest", PhoneRequest)):
        spec.components.schema(name, schema=schema)
    spec.path(path="/api/v1/agencies", operations={"get": {
        "summary": "All agencies",
        "responses": {"200": {"description": "OK", "content": {
            "application/json": {"schema": {"type": "array", "items": "Agency"}}}}}}})
    spec.path(path="/api/v1/agencies/{code}/availability", operations={"get": {
        "summary": "Free slots of a day and the next open days",
        "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
                       {"name": "task", "in": "query", "required": True, "schema": {"type": "string"},
                        "description": "service/task"},
                       {"name": "date", "in": "query", "required": False,
                        "schema": {"type": "string", "format": "date"}}],
        "responses": {**_ok("Availability"), **_errors(404, 422)}}})
    spec.path(path="/api/v1/appointments", operations={"post": {
        "summary": "Book an appointment",
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 100}},
                       {"name": "Device-Id", "in": "header", "required": False,
                        "schema": {"type": "string", "maxLength": 64},
                        "description": "a random id of the app on the phone, for the per-device limit"}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": "BookingRequest"}}},
        "responses": {**_ok("Appointment", 201, "Held (or booked when holds are off)"),
                      **_errors(400, 404, 409, 413, 415, 422, 429)}}})
    spec.path(path="/api/v1/appointments/{reference}/confirm", operations={"post": {
        "summary": "Confirm a held booking with the code sent by SMS",
        "parameters": [REFERENCE],
        "requestBody": {"required": True, "content": {"application/json": {"schema": "CodeRequest"}}},
        "responses": {**_ok("Appointment", 200, "Booked (also when it already was)"),
                      **_errors(400, 404, 409, 410, 415, 422, 429)}}})
    spec.path(path="/api/v1/appointments/{reference}/code", operations={"post": {
        "summary": "Send a new code for a held booking (the previous one stops working)",
        "parameters": [REFERENCE],
        "responses": {**_ok("Appointment", 202, "A new code is on its way"), **_errors(404, 409, 410, 429)}}})
    spec.path(path="/api/v1/appointments/{reference}", operations={
        "get": {"summary": "One appointment", "parameters": [REFERENCE, PHONE],
                "responses": {**_ok("Appointment"), **_errors(404, 422, 429)}},
        "delete": {"summary": "Cancel an appointment", "parameters": [REFERENCE, PHONE],
                   "responses": {**_ok("Appointment"), **_errors(404, 409, 422, 429)}}})
    spec.path(path="/api/v1/appointments/{reference}/reschedule", operations={"post": {
        "summary": "Move an appointment to another free slot",
        "parameters": [REFERENCE, PHONE],
        "requestBody": {"required": True, "content": {"application/json": {"schema": "RescheduleRequest"}}},
        "responses": {**_ok("Appointment"), **_errors(400, 404, 409, 415, 422, 429)}}})
    spec.path(path="/api/v1/waitlist", operations={"post": {
        "summary": "Join the waiting list (the same phone, agency and procedure: the same entry)",
        "requestBody": {"required": True, "content": {"application/json": {"schema": "WaitlistRequest"}}},
        "responses": {**_ok("WaitlistEntry", 201, "On the list"), **_errors(400, 404, 413, 415, 422, 429)}}})
    spec.path(path="/api/v1/waitlist/{reference}", operations={
        "get": {"summary": "A waiting-list entry and its place in line", "parameters": [REFERENCE, PHONE],
                "responses": {**_ok("WaitlistEntry"), **_errors(400, 404, 422, 429)}},
        "delete": {"summary": "Leave the waiting list", "parameters": [REFERENCE, PHONE],
                   "responses": {**_ok("WaitlistEntry"), **_errors(400, 404, 422, 429)}}})
    key = {"name": "Idempotency-Key", "in": "header", "required": True,
           "schema": {"type": "string", "minLength": 1, "maxLength": 100},
           "description": "the key of the POST /applications that made the application"}
    spec.path(path="/api/v1/applications", operations={"post": {
        "summary": "Send an application filled in on a phone (then its files, then the SMS code)",
        "parameters": [key],
        "requestBody": {"required": True, "content": {"application/json": {"schema": "ApplicationRequest"}}},
        "responses": {**_ok("Application", 201, "Made; PUT each file to /applications/uploads/{id}"),
                      **_ok("Application", 200, "Made before with this key: where it stands"),
                      **_errors(400, 404, 413, 415, 422, 429)}}})
    upload = {"name": "upload_id", "in": "path", "required": True, "schema": {"type": "string"}}
    offset = {"name": "offset", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 0}}
    spec.path(path="/api/v1/applications/uploads/{upload_id}", operations={
        "get": {"summary": "How much of a file arrived", "parameters": [key, upload],
                "responses": {**_ok("UploadState"), **_errors(400, 404)}},
        "put": {"summary": "One chunk of a file, at `offset` (a chunk sent twice is kept once)",
                "parameters": [key, upload, offset],
                "requestBody": {"required": True, "content": {"application/octet-stream": {
                    "schema": {"type": "string", "format": "binary"}}}},
                "responses": {**_ok("UploadState", 200, "Stored; `document` once the file is whole"),
                              **_errors(400, 404, 409, 413, 422)}}})
    spec.path(path="/api/v1/applications/code", operations={"post": {
        "summary": "Every file arrived: send the SMS code to the phone (a new one at each call)",
        "parameters": [key],
        "requestBody": {"required": True, "content": {"application/json": {"schema": "PhoneRequest"}}},
        "responses": {**_ok("Application", 202, "A code is on its way"), **_errors(400, 404, 415, 422, 429)}}})
    spec.path(path="/api/v1/applications/confirm", operations={"post": {
        "summary": "The code typed back: the application is sent to its agency",
        "parameters": [key],
        "requestBody": {"required": True, "content": {"application/json": {"schema": "CodeRequest"}}},
        "responses": {**_ok("Application", 200, "Received (also when it already was)"),
                      **_errors(400, 404, 410, 415, 422, 429)}}})
    return spec.to_dict()
