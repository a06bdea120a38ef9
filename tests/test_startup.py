"""Start-up reuses the catalog compiled under the instance folder for the same content files and
code, validates again when any of them changes, and never shows a half-written file to a process
starting at the same time. `check-content` always validates in full."""

import multiprocessing
import pickle

import pytest
from click.testing import CliRunner

from webapp.__main__ import cli
from webapp.catalog import ContentError, loader
from webapp.catalog.loader import COMPILED, content_key, load_catalog


def compiled_files(instance):
    return sorted(p.name for p in (instance / COMPILED).iterdir())


def forbid_validation(monkeypatch):
    def validate(*args, **kwargs):
        raise AssertionError("validated again")

    monkeypatch.setattr(loader, "validate", validate)


def test_the_second_start_reuses_the_compiled_catalog(content, tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    first = load_catalog(content, instance)
    assert compiled_files(instance) == [f"catalog-{first.revision}.pickle"]
    forbid_validation(monkeypatch)
    second = load_catalog(content, instance)
    assert second.revision == first.revision == content_key(content)
    # whatever the schema produces comes back as it was, fields added later included
    assert second.services == first.services and second.agencies == first.agencies
    assert second.wilayas == first.wilayas and second.synonyms == first.synonyms
    service = second.services[0]
    assert second.by_id[service["id"]] is service  # one object, as a fresh load gives
    for lang, query in (("fr", "accident de travail"), ("ar", "حادث"), ("en", "sick leav")):
        assert ([(s["id"], t and t["id"]) for s, t in second.search_index.search(lang, query)]
                == [(s["id"], t and t["id"]) for s, t in first.search_index.search(lang, query)])
        hit = second.search_index.search(lang, query)[0][0]
        assert hit is second.by_id[hit["id"]]  # hits are the catalog's own services, not copies


@pytest.mark.parametrize("changed", ["services/maternity.toml", "agencies.toml", "synonyms.toml", "README.md"])
def test_any_content_change_validates_again(content, tmp_path, changed):
    instance = tmp_path / "instance"
    before = load_catalog(content, instance)
    path = content / changed
    path.write_bytes(path.read_bytes() + b"\n# changed\n")
    after = load_catalog(content, instance)
    assert after.revision != before.revision
    assert compiled_files(instance) == [f"catalog-{after.revision}.pickle"]  # the old one is gone


def test_a_code_change_validates_again(content, tmp_path, monkeypatch):
    code = tmp_path / "code"
    code.mkdir()
    (code / "schema.py").write_text("A = 1\n")
    monkeypatch.setattr(loader, "PACKAGE", code)
    before = content_key(content)
    (code / "schema.py").write_text("A = 2\n")
    assert content_key(content) != before


def test_a_new_problem_is_reported_although_a_compiled_catalog_exists(content, tmp_path):
    instance = tmp_path / "instance"
    load_catalog(content, instance)
    path = content / "services" / "maternity.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('id = "maternity"', 'id = "Bad Id"', 1),
                    encoding="utf-8")
    with pytest.raises(ContentError):
        load_catalog(content, instance)


def test_a_damaged_file_is_replaced(content, tmp_path):
    instance = tmp_path / "instance"
    catalog = load_catalog(content, instance)
    path = instance / COMPILED / f"catalog-{catalog.revision}.pickle"
    path.write_bytes(b"not a pickle")
    again = load_catalog(content, instance)
    assert again.services == catalog.services
    with path.open("rb") as fh:
        assert pickle.load(fh).revision == catalog.revision


def test_check_content_never_reads_the_compiled_catalog(content, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path / "instance"))
    load_catalog(content, tmp_path / "instance")

    def unpickle(fh):
        raise AssertionError("read the compiled catalog")

    monkeypatch.setattr(loader, "_unpickle", unpickle)
    result = CliRunner().invoke(cli, ["check-content", "--content-dir", str(content)])
    assert result.exit_code == 0 and result.output.startswith("OK:"), result.output


def start(content, instance, queue):
    queue.put(load_catalog(content, instance).revision)


def test_processes_starting_at_once_share_one_whole_file(content, tmp_path):
    instance = tmp_path / "instance"
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=start, args=(content, instance, queue)) for _ in range(4)]
    for process in processes:
        process.start()
    revisions = [queue.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    assert len(set(revisions)) == 1
    assert compiled_files(instance) == [f"catalog-{revisions[0]}.pickle"]  # no temporary file left
    with (instance / COMPILED / f"catalog-{revisions[0]}.pickle").open("rb") as fh:
        assert pickle.load(fh).revision == revisions[0]
