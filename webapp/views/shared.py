"""What every view module needs: the catalog loaded at start-up."""

from flask import current_app


def catalog():
    """The validated catalog (services, tasks, agencies)."""
    return current_app.extensions["catalog"]
