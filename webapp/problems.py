"""The one typed error every use case raises when a rule says no (no Flask here).

`code` names the rule for a translated message; `status` is how every door answers it (a 4xx
page, or the API's error shape), decided once in STATUS so the doors cannot disagree.
"""

STATUS = {
    # nothing matches what was asked for
    "not_found": 404,
    "unknown_agency": 404,
    "unknown_task": 404,
    "unknown_account": 404,
    "unknown_device": 404,
    "unknown_closure": 404,
    "unknown_action": 404,
    # the request itself is malformed
    "idempotency_key": 400,
    # the request is fine but the state of things says no
    "slot_full": 409,
    "same_task": 409,
    "limit": 409,
    "not_cancellable": 409,
    "busy": 409,
    "idempotency_busy": 409,
    "confirm": 409,
    "taken": 409,
    "not_held": 409,
    # the time to act has run out
    "hold_expired": 410,
    "code_expired": 410,
    # too many tries
    "rate_limited": 429,
    "code_tries": 429,
}


class DomainError(Exception):
    """A rule that refuses an action: `code` says which; the keyword details say more
    (alternatives: free slots to offer, existing: the appointment in the way, affected:
    the visits a change would touch)."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details

    @property
    def status(self) -> int:
        return STATUS.get(self.code, 422)

    @property
    def alternatives(self) -> list:
        return list(self.details.get("alternatives", ()))

    @property
    def existing(self):
        return self.details.get("existing")
