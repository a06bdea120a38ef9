"""Booking: availability, appointments, reference codes, idempotency (pure, no Flask)."""
