"""Interface translations: complete, not fuzzy, up to date with the templates and code."""

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import format_currency, format_date, get_locale

ROOT = Path(__file__).resolve().parent.parent


def catalog(lang):
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_no_empty_or_fuzzy_translation(lang):
    bad = []
    for message in catalog(lang):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            bad.append(message.id)
    assert not bad, f"{lang}: empty or fuzzy: {bad}"


def test_catalogs_cover_every_string_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "--quiet", "extract", "-F", "babel.cfg",
         "-k", "_l", "-o", str(pot), "."],
        cwd=ROOT, check=True,
    )
    with open(pot, "rb") as fh:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    for lang in ("ar", "fr", "en"):
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(lang) if m.id}
        assert not wanted - have, f"{lang}: run `make update-translations`: {wanted - have}"


@pytest.mark.parametrize("lang, dir_", [("ar", "rtl"), ("fr", "ltr"), ("en", "ltr")])
def test_html_lang_and_dir(client, lang, dir_):
    html = client.get(f"/{lang}/").soup.html
    assert (html["lang"], html["dir"]) == (lang, dir_)


def test_interface_strings_are_translated(client):
    assert client.get("/fr/").soup.h1.get_text() == "Trouver un service"
    assert client.get("/ar/").soup.h1.get_text() == "ابحث عن خدمة"
    assert client.get("/en/").soup.h1.get_text() == "Find a service"


def test_arabic_plural_forms(client):
    text = client.get("/ar/agencies?wilaya=16").soup.select_one(".count").get_text()
    assert text in ("وكالتان", "3 وكالات")


def test_dates_use_the_algerian_locales(client, app):
    """ar_DZ and fr_DZ, not ar and fr: the French month names are the same, but only fr_DZ
    writes the dinar "DA", and only ar_DZ writes January "جانفي"."""
    service = app.extensions["catalog"].services[0]
    text = client.get(f"/fr/services/{service['id']}").soup.select_one(".meta").get_text()
    assert "2026" in text and "novembre" in text
    with app.test_request_context(f"/fr/services/{service['id']}"):
        assert str(get_locale()) == "fr_DZ"
        assert format_currency(600, "DZD") == "600,00\u00a0DA"  # fr, fr_FR: "600,00 DZD"
    with app.test_request_context(f"/ar/services/{service['id']}"):
        assert str(get_locale()) == "ar_DZ"
        assert format_date(date(2027, 1, 5), "long") == "5 جانفي 2027"  # ar, ar_EG: "5 يناير 2027"
    with app.test_request_context(f"/en/services/{service['id']}"):
        assert str(get_locale()) == "en"
