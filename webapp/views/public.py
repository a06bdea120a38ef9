"""The public catalog: home, services, tasks with their checklists, agencies, search, about."""

from flask import Blueprint, abort, make_response, render_template, request

from .. import bidi, clock
from ..catalog import checklist, deadlines, places
from ..i18n import current
from ..render_cache import cached
from .htmx import vary_on_htmx, wants_fragment
from .shared import catalog

bp = Blueprint("public", __name__, url_prefix="/<lang:lang>")



@bp.get("/")
@cached
def home():
    """Service categories and the search box."""
    return render_template("public/home.html", categories=catalog().by_category())


@bp.get("/services/<service_id>")
@cached
def service(service_id):
    """A service and its tasks."""
    found = catalog().service(service_id) or abort(404)
    return render_template("public/service.html", service=found)


@bp.get("/services/<service_id>/<task_id>")
@cached
def task(service_id, task_id):
    """A task: who, conditions, its checklist narrowed by the reader's answers, deadlines."""
    found_service, found_task = catalog().task(service_id, task_id)
    if found_task is None:
        abort(404)
    answers = checklist.read_answers(found_task, request.args)
    helper = deadlines.evaluate(found_task, request.args, clock.today())
    template = "public/task.html"
    if wants_fragment("checklist"):
        template = "public/_checklist.html"
    elif wants_fragment("deadline-helper"):
        template = "public/_deadlines.html"
    html = render_template(
        template, service=found_service, task=found_task, answers=answers,
        groups=checklist.narrow(found_task, answers), helper=helper,
    )
    status = 422 if any(event["error"] for event in helper.values()) else 200
    return vary_on_htmx(make_response(html, status))


@bp.get("/agencies")
def agencies():
    """The agencies directory, filterable by wilaya and by a typed town or wilaya number."""
    wilaya = request.args.get("wilaya", type=int)
    query = request.args.get("q", "")[:places.MAX_QUERY].strip()
    shown = [a for a in places.matching(catalog().agencies, catalog().wilayas, query)
             if wilaya is None or a["wilaya"] == wilaya]
    template = "public/_agency_list.html" if wants_fragment("agency-list") else "public/agencies.html"
    response = make_response(render_template(
        template, agencies=shown, wilayas=catalog().wilayas, selected=wilaya, q=query
    ))
    return vary_on_htmx(response)


@bp.get("/search")
def search():
    """Search results; the list alone when htmx refreshes it as the reader types."""
    query = request.args.get("q", "")[:200]
    hits = catalog().search_index.search(current(), query)
    template = "public/_results.html" if wants_fragment("results") else "public/search.html"
    return vary_on_htmx(make_response(render_template(template, query=query, hits=hits)))


@bp.get("/about")
def about():
    """What this site is, how to use it, how to reach the fund."""
    return render_template("public/about.html")



bp.add_app_template_filter(checklist.document_key, "doc_key")
bp.add_app_template_filter(bidi.ltr_filter, "ltr")  # phone numbers, e-mails… read left to right
