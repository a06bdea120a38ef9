"""Language-free URLs: "/" sends the reader to their language."""

from flask import Blueprint, redirect, url_for

from .. import i18n

bp = Blueprint("root", __name__)


@bp.get("/")
def index():
    """Redirect to the home page in the best language for Accept-Language (Arabic otherwise)."""
    response = redirect(url_for("public.home", lang=i18n.negotiate()))
    response.vary.add("Accept-Language")
    return response
