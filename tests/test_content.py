"""Content validation: broken files stop start-up with one precise message per problem."""

import subprocess
import sys
from pathlib import Path

import pytest

from webapp import create_app
from webapp.catalog import ContentError, load_catalog

CONTENT = Path(__file__).resolve().parent.parent / "content"


def problems(folder) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_catalog(folder)
    return info.value.problems


def edit(path: Path, old: str, new: str, count: int = 1):
    text = path.read_text()
    assert old in text, f"fixture text not found in {path.name}: {old!r}"
    path.write_text(text.replace(old, new, count))


def test_the_shipped_content_is_valid():
    catalog = load_catalog(CONTENT)
    assert len(catalog.services) >= 3
    assert len(catalog.agencies) == 51


def test_missing_translation_names_file_and_field(content):
    path = content / "services" / "death-grant.toml"
    text = path.read_text()
    line = next(line for line in text.splitlines() if line.startswith("title.en"))
    path.write_text(text.replace(line + "\n", "", 1))
    assert problems(content) == [f"{path}: title.en: Missing data for required field."]


def test_nested_field_path_in_a_task(content):
    path = content / "services" / "work-accident.toml"
    text = path.read_text()
    start = text.index("[[tasks.checklist.documents]]")
    fr = text.index("text.fr = ", start)
    end = text.index("\n", fr)
    path.write_text(text[:fr] + 'text.fr = ""' + text[end:])
    found = problems(content)
    assert len(found) == 1
    assert found[0].startswith(f"{path}: tasks[0].checklist[0].documents[0].text.fr: ")


def test_arabic_field_must_be_arabic_script(content):
    path = content / "services" / "death-grant.toml"
    text = path.read_text()
    line = next(line for line in text.splitlines() if line.startswith("title.ar"))
    path.write_text(text.replace(line, 'title.ar = "Death grant"'))
    assert problems(content) == [f"{path}: title.ar: not in Arabic script"]


def test_unknown_field_is_reported(content):
    path = content / "services" / "death-grant.toml"
    edit(path, "category = ", 'colour = "red"\ncategory = ')
    assert problems(content) == [f"{path}: colour: Unknown field."]


def test_bad_toml_is_reported_with_the_file(content):
    path = content / "services" / "death-grant.toml"
    path.write_text(path.read_text() + "\n[[[broken\n")
    found = problems(content)
    assert len(found) == 1 and found[0].startswith(f"{path}: not valid TOML")


def test_form_code_named_in_text_must_be_listed(content):
    path = content / "services" / "death-grant.toml"
    text = path.read_text()
    line = next(line for line in text.splitlines() if line.startswith("summary.en"))
    path.write_text(text.replace(line, 'summary.en = "Fill in form AT99 first."', 1))
    assert problems(content) == [f"{path}: forms: AT99 is named in a text but not listed"]


def test_id_must_match_file_name(content):
    path = content / "services" / "death-grant.toml"
    edit(path, 'id = "death-grant"', 'id = "death"')
    assert problems(content) == [f"{path}: id: 'death' must match the file name 'death-grant'"]


def test_every_problem_is_listed_not_just_the_first(content):
    edit(content / "services" / "death-grant.toml", 'category = "insured"', 'category = "x"')
    edit(content / "services" / "work-accident.toml", 'category = "insured"', 'category = "y"')
    found = problems(content)
    assert len(found) == 2
    assert all(": category: Must be one of: insured, employers, others." in p for p in found)


def test_synonyms_with_unknown_language_or_empty_entries(content):
    edit(content / "synonyms.toml", "[en]\n", '[de]\n"Krankenschein" = "sick leave"\n\n[en]\n"" = "sick leave"\n'
         '"sick pay" = "  "\n')
    found = problems(content)
    assert len(found) == 3, found
    assert all(p.startswith(str(content / "synonyms.toml")) for p in found)
    assert any("de: Unknown field" in p for p in found)
    assert sum("an empty phrase" in p for p in found) == 2


def test_agency_with_unknown_wilaya(content):
    edit(content / "agencies.toml", "wilaya = 1\n", "wilaya = 77\n")
    found = problems(content)
    assert len(found) == 1 and "wilaya: 77 is not in wilayas.toml" in found[0]


def test_start_up_stops_on_broken_content(content, tmp_path):
    edit(content / "services" / "death-grant.toml", 'category = "insured"', 'category = "x"')
    with pytest.raises(ContentError):
        create_app({"CONTENT_DIR": str(content), "INSTANCE_DIR": str(tmp_path)})


def test_check_content_command(content):
    ok = subprocess.run(
        [sys.executable, "-m", "webapp", "check-content", "--content-dir", str(CONTENT)],
        capture_output=True, text=True,
    )
    assert ok.returncode == 0 and ok.stdout.startswith("OK:")
    edit(content / "services" / "death-grant.toml", 'category = "insured"', 'category = "x"')
    bad = subprocess.run(
        [sys.executable, "-m", "webapp", "check-content", "--content-dir", str(content)],
        capture_output=True, text=True,
    )
    assert bad.returncode != 0
    assert "death-grant.toml: category: Must be one of" in bad.stderr
    assert "1 problem(s)" in bad.stderr
