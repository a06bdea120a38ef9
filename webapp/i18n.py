"""The supported languages, their direction, and how a request's language is chosen."""

from flask import request, url_for
from flask_babel import Babel, format_date, gettext
from werkzeug.routing import BaseConverter

from .clock import from_utc
from .notify.texts import place_name

LANGUAGES = {
    "ar": {"dir": "rtl", "name": "العربية", "locale": "ar_DZ"},
    "fr": {"dir": "ltr", "name": "Français", "locale": "fr_DZ"},
    "en": {"dir": "ltr", "name": "English", "locale": "en"},
}
DEFAULT_LANGUAGE = "ar"


class LangConverter(BaseConverter):
    """`<lang:lang>` in a URL: one of the supported language codes."""

    regex = "(?:" + "|".join(LANGUAGES) + ")"


def negotiate() -> str:
    """The best language from Accept-Language, Arabic when none fits."""
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def current() -> str:
    """The language of this request: the URL's (even on a 404), else the negotiated one."""
    from_url = getattr(request, "url_lang", None)
    if from_url:
        return from_url
    prefix = request.path.split("/", 2)[1]
    return prefix if prefix in LANGUAGES else negotiate()


def locale() -> str:
    """The Babel locale of this request (Algerian variants: Maghreb month names and digits)."""
    return LANGUAGES[current()]["locale"]


# The query arguments a language link keeps: the search, the wilaya of the agencies list, the
# booking steps' choices and the reference of the lookup form (each at most 100 characters).
# Nothing else of the query, and nothing of the Host header, reaches the link.
KEPT_QUERY = ("q", "wilaya", "agency", "date", "time", "reference")


def switch_language(code: str) -> str:
    """The URL of the page being shown, in another language (home when it has none): a path
    built from the route and its own arguments, plus only the KEPT_QUERY arguments."""
    rule = request.url_rule
    if rule is None or "lang" not in rule.arguments:
        return url_for("public.home", lang=code)
    query = {k: request.args[k][:100] for k in KEPT_QUERY if request.args.get(k) and k not in rule.arguments}
    arguments = {k: v for k, v in (request.view_args or {}).items() if k in rule.arguments}
    return url_for(request.endpoint, **{**query, **arguments, "lang": code, "_external": False})


def when(moment, year: bool = True) -> str:
    """A day and time as people read it: "mercredi 2 décembre 2026 à 11:00"."""
    day = format_date(moment, "EEEE d MMMM y" if year else "EEEE d MMMM")
    return gettext("%(date)s at %(time)s", date=day, time=moment.strftime("%H:%M"))


def init_app(app) -> None:
    """Register the URL converter, Flask-Babel and the template helpers."""
    app.url_map.converters["lang"] = LangConverter
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Africa/Algiers"
    Babel(app, locale_selector=locale, default_translation_directories="../translations")
    app.add_template_global(format_date)
    app.add_template_global(when)
    app.add_template_global(from_utc)
    app.add_template_global(switch_language)
    app.add_template_global(lambda agency: place_name(agency, current()), "agency_place")

    @app.url_value_preprocessor
    def pull_lang(endpoint, values):
        if values and "lang" in values:
            request.url_lang = values.pop("lang")  # views read it with current()

    @app.url_defaults
    def add_lang(endpoint, values):
        if "lang" not in values and app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = current()

    @app.context_processor
    def languages():
        lang = current()
        return {"lang": lang, "dir": LANGUAGES[lang]["dir"], "LANGUAGES": LANGUAGES}

    @app.template_filter("t")
    def translated(text: dict) -> str:
        """Pick the reader's language from a content text {ar, fr, en}."""
        return text[current()]
