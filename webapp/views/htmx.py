"""Small helpers for views that answer with a whole page or an htmx fragment."""

from flask import request


def wants_fragment(target: str) -> bool:
    """True when htmx asks to swap the element with this id (not for a history restore)."""
    return (
        request.headers.get("HX-Target") == target
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def vary_on_htmx(response):
    """Tell caches this URL answers with a page or a fragment depending on htmx headers."""
    response.vary.update(("HX-Request", "HX-Target"))
    return response
