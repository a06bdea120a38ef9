"""Benefit estimates on a task page: the form's answer, whole (no JS) or as a fragment (htmx)."""

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import Blueprint, abort, make_response, render_template, request
from flask_babel import gettext

from ..catalog import estimators
from ..i18n import current, locale
from .htmx import vary_on_htmx, wants_fragment
from .shared import catalog

bp = Blueprint("estimate", __name__, url_prefix="/<lang:lang>")


@bp.get("/services/<service_id>/<task_id>/estimate/<estimator_id>")
def show(service_id, task_id, estimator_id):
    """The estimate for the answers in the query string, or the empty form."""
    found_service, found_task = catalog().task(service_id, task_id)
    found = next((e for e in (found_task or {}).get("estimators", ()) if e["id"] == estimator_id), None)
    if found is None:
        abort(404)
    typed, values, errors = estimators.read(found, request.args)
    if not request.args:
        errors = {}
    result = estimators.compute(found, values) if request.args and not errors else None
    fragment = wants_fragment(f"est-{found['id']}")
    html = render_template(
        "public/_estimate.html" if fragment else "estimate/show.html",
        service=found_service, task=found_task, est=found, typed=typed, errors=errors, result=result,
    )
    return vary_on_htmx(make_response(html, 422 if errors else 200))


def money(centimes: int) -> str:
    """An amount in DA, written the way the reader's language writes numbers (Western digits)."""
    amount = estimators.money(centimes, get_decimal_symbol(locale()), get_group_symbol(locale()))
    return gettext("%(amount)s DA", amount=amount)


def unit_range(unit: str, first: int, last: int) -> str:
    """"Days 1–15", "Month 3": which units a line of the estimate counts."""
    return texts()[unit][first != last].replace("%(first)s", str(first)).replace("%(last)s", str(last))


def texts() -> dict:
    """The words estimator.js writes, in the reader's language (the same as the server's)."""
    return {
        "day": [gettext("Day %(first)s", first="%(first)s"),
                gettext("Days %(first)s–%(last)s", first="%(first)s", last="%(last)s")],
        "month": [gettext("Month %(first)s", first="%(first)s"),
                  gettext("Months %(first)s–%(last)s", first="%(first)s", last="%(last)s")],
        "money": gettext("%(amount)s DA", amount="%(amount)s"),
        "monthly": gettext("That is, each month (÷ 12)"),
        "each": gettext("Each person's equal share (÷ %(n)s)", n="%(n)s"),
        "decimal": get_decimal_symbol(locale()), "group": get_group_symbol(locale()),
    }


def rules(estimator: dict) -> dict:
    """The estimator as estimator.js computes it, with the words it writes."""
    return {**estimators.client_rules(estimator, current()), "texts": texts()}


bp.add_app_template_global(money, "money")
bp.add_app_template_global(unit_range, "unit_range")
bp.add_app_template_global(rules, "estimator_rules")
