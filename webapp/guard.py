"""A guard in front of every view: input that no page, form or API call of this app ever
carries is answered with a translated 4xx before any view (or the database) sees it.

- NUL bytes and other control characters, in the path (404: no such URL), the query, form
  fields and headers (400; 422 naming the field for the API's query arguments), and in JSON
  strings (422 naming the field), where lone surrogates are refused too. Form fields and JSON
  strings may hold tabs and line breaks. PostgreSQL refuses NUL in text, a redirect refuses a
  line break in its Location header, and no database stores a lone surrogate.
- JSON nested deeper than MAX_JSON_DEPTH (400), and NaN, Infinity and numbers too large for a
  float, which are not JSON: the parser's errors, RecursionError included, read as invalid JSON.
- Ids in URLs (`<int:...>`) beyond what the database's integer columns hold (404).
"""

import json
import math
import re

from flask import request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, NotFound, UnprocessableEntity
from werkzeug.routing import IntegerConverter

CHARACTERS = _l("The request contains characters that are not allowed, such as invisible control "
               "characters. Remove them and try again.")
MAX_JSON_DEPTH = 32  # the API's bodies are flat objects; checklists and outboxes stay far below
MAX_ID = 2**31 - 1  # the largest id of a 32-bit integer column (PostgreSQL serial)

IN_URL_OR_HEADER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # any control character but tab
IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")  # tab, CR and LF allowed


class RefusedInput(BadRequest):
    """Characters (or a shape) that no part of this app accepts: a 400."""

    error_code = "invalid_input"
    user_message = CHARACTERS


class TooDeep(RefusedInput):
    user_message = _l("The JSON body is nested too deeply.")


class RefusedField(UnprocessableEntity):
    """A field of an API request with characters no field accepts: a 422 in the API's
    validation shape, naming the field."""

    error_code = "validation"
    user_message = _l("The request has errors.")

    def __init__(self, field: str):
        super().__init__()
        self.fields = {field: [str(CHARACTERS)]}


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in a URL: an id the database can hold, else the URL matches nothing (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, but parsing refuses what is not JSON (NaN, Infinity, 1e309) and turns a
    body nested past the interpreter's recursion limit into a ValueError: request.get_json()
    then answers 400 (or None when silent) instead of crashing."""

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_constant", _not_json)
        kwargs.setdefault("parse_float", _finite)
        try:
            return json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def _not_json(name):
    raise ValueError(f"{name} is not JSON")


def _finite(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large a number")
    return value


def init_app(app) -> None:
    """Install the JSON parser and the id converter (before the blueprints add their routes),
    and check every request before its view."""
    app.json = StrictJSONProvider(app)
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(check_request)


def check_request() -> None:
    """Raise a 4xx for characters (or JSON) that no view of this app accepts."""
    api = request.path.startswith("/api/")
    if IN_URL_OR_HEADER.search(request.path):
        raise NotFound()
    for key, value in request.args.items(multi=True):
        if IN_URL_OR_HEADER.search(key):
            raise RefusedInput()
        if IN_URL_OR_HEADER.search(value):
            raise RefusedField(key) if api else RefusedInput()
    for value in request.headers.values():
        if IN_URL_OR_HEADER.search(value):
            raise RefusedInput()
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.is_json:
        check_json(request.get_json(silent=True))  # unparsable: None, for the view to answer
        return
    for key, value in request.form.items(multi=True):
        if IN_URL_OR_HEADER.search(key) or IN_TEXT.search(value):
            raise RefusedInput()


def check_json(body) -> None:
    """Every string and key of a JSON body, to MAX_JSON_DEPTH levels; a bad string is blamed
    on the top-level field that holds it."""
    stack = [(body, 1, None)]
    while stack:
        value, depth, field = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise TooDeep()
        if isinstance(value, str):
            if IN_TEXT.search(value):
                raise RefusedField(field) if field else RefusedInput()
        elif isinstance(value, dict):
            for key, item in value.items():
                if IN_TEXT.search(key):
                    raise RefusedInput()
                stack.append((item, depth + 1, field or key))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, field) for item in value)
