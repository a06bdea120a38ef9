"""The staff back-office, one module per concern, all on the `staff` blueprint."""

from . import accounts, agenda, applications, kiosks, messages, reports, session, settings, waitlist  # noqa: F401
from .base import bp

__all__ = ["bp"]
