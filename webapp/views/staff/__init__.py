"""The staff back-office, one module per concern, all on the `staff` blueprint."""

from . import accounts, agenda, kiosks, messages, reports, session, settings, waitlist  # noqa: F401 (routes)
from .base import bp

__all__ = ["bp"]
