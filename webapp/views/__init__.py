"""Blueprints, one per module."""

from . import (
    api,
    api_apply,  # noqa: F401  (routes of the API's blueprint, added before it is registered)
    apply,
    apply_status,
    booking,
    demo,
    estimate,
    kiosk,
    phone,
    public,
    pwa,
    queue,
    root,
    staff,
    waitlist,
)


def register_blueprints(app) -> None:
    """Attach every blueprint to the app."""
    app.register_blueprint(root.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(estimate.bp)
    app.register_blueprint(booking.bp)
    app.register_blueprint(phone.bp)
    app.register_blueprint(waitlist.bp)
    app.register_blueprint(apply.bp)
    app.register_blueprint(apply_status.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(pwa.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(kiosk.bp)
    app.register_blueprint(queue.bp)
    if app.config.get("DEMO"):  # the demo inbox does not exist outside demo mode
        app.register_blueprint(demo.bp)
