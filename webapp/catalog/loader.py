"""Read and validate content/ into a Catalog; every problem is reported with file and field.

Validating and indexing a big catalog takes seconds, so the app keeps the result, compiled
(pickled), under its instance folder: `compiled/catalog-<key>.pickle`, where the key hashes the
bytes of every content file and the code that reads them (this package, the Python and library
versions). Any change to either gives a new key, hence a new full validation. `check-content`
always validates in full.
"""

import gc
import hashlib
import logging
import os
import pickle
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from marshmallow import ValidationError

from . import schema
from .search import SearchIndex

CATEGORIES = ("insured", "employers", "others")


class ContentError(Exception):
    """The content folder has problems; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Catalog:
    """The validated catalog: services with their tasks, agencies, wilayas and search synonyms."""

    services: list[dict]
    agencies: list[dict]
    wilayas: dict[int, dict]
    synonyms: dict[str, dict[str, str]] = field(default_factory=dict)
    revision: str = ""  # a hash of the content files and of the code that read them
    by_id: dict[str, dict] = field(init=False)
    search_index: SearchIndex = field(init=False)

    def __post_init__(self):
        self.services.sort(key=lambda s: (CATEGORIES.index(s["category"]), s["order"], s["id"]))
        self.by_id = {s["id"]: s for s in self.services}
        self.search_index = SearchIndex(self.services, self.synonyms)

    def service(self, service_id: str) -> dict | None:
        """The service with this id, or None."""
        return self.by_id.get(service_id)

    def task(self, service_id: str, task_id: str) -> tuple[dict, dict] | tuple[None, None]:
        """The (service, task) pair for these ids, or (None, None)."""
        service = self.service(service_id)
        for task in service["tasks"] if service else ():
            if task["id"] == task_id:
                return service, task
        return None, None

    def by_category(self) -> list[tuple[str, list[dict]]]:
        """Services grouped by category, in display order."""
        return [(c, [s for s in self.services if s["category"] == c]) for c in CATEGORIES]

    def agency(self, code: str) -> dict | None:
        """The agency with this code, or None."""
        return next((a for a in self.agencies if a["code"] == code), None)


log = logging.getLogger(__name__)
PACKAGE = Path(__file__).resolve().parent
COMPILED = "compiled"  # the folder, under the instance folder, of the compiled catalog


def content_key(root: Path) -> str:
    """A hash of every file under the content folder (names and bytes) and of the code that
    reads them: the same key means the same validated catalog."""
    digest = hashlib.sha256()
    versions = [sys.version, pickle.format_version] + [metadata.version(n) for n in ("marshmallow", "snowballstemmer")]
    digest.update(repr(versions).encode())
    for folder in (PACKAGE, root):
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            data = path.read_bytes()
            digest.update(f"{path.relative_to(folder)}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()[:32]


def load_catalog(content_dir: str | Path, compiled_dir: str | Path | None = None) -> Catalog:
    """The validated catalog of a content folder; raise ContentError listing all problems.

    With `compiled_dir` (the instance folder), reuse the catalog compiled there for exactly
    these content files and this code, or validate in full and compile it for the next start
    (written to a temporary file, then renamed: processes starting at once never read half a file).
    """
    root = Path(content_dir)
    key = content_key(root)
    if compiled_dir is None:
        return validate(root, key)
    folder = Path(compiled_dir) / COMPILED
    path = folder / f"catalog-{key}.pickle"
    try:
        with path.open("rb") as fh:
            catalog = _unpickle(fh)
        if isinstance(catalog, Catalog) and catalog.revision == key:
            return catalog
    except FileNotFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 - a damaged or foreign file: validate again and replace it
        log.warning("compiled catalog %s unreadable (%s): validating the content again", path, exc)
    catalog = validate(root, key)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".catalog-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(catalog, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
        for old in folder.glob("catalog-*.pickle"):  # those of earlier content
            if old != path:
                old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
        log.warning("could not keep the compiled catalog in %s: %s", folder, exc)
    return catalog


def _unpickle(fh):
    """pickle.load without the garbage collector, which would otherwise run over and over while
    hundreds of thousands of new objects, none of them garbage, come into being (3× faster)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(fh)
    finally:
        if enabled:
            gc.enable()


def validate(root: Path, revision: str = "") -> Catalog:
    """Load and validate every content file; raise ContentError listing all problems."""
    problems: list[str] = []
    services = []
    service_files = sorted((root / "services").glob("*.toml"))
    if not service_files:
        problems.append(f"{root / 'services'}: no service files found")
    for path in service_files:
        data = _load(path, schema.Service(), problems)
        if data is None:
            continue
        if data["id"] != path.stem:
            problems.append(f"{path}: id: {data['id']!r} must match the file name {path.stem!r}")
        services.append(data)
    wilayas = _load(root / "wilayas.toml", schema.WilayasFile(), problems)
    agencies = _load(root / "agencies.toml", schema.AgenciesFile(), problems)
    if wilayas and agencies:
        problems += _check_agencies(root / "agencies.toml", agencies["agencies"], wilayas["wilayas"])
    synonyms = _load(root / "synonyms.toml", schema.SynonymsFile(), problems)
    if problems:
        raise ContentError(problems)
    return Catalog(
        services=services,
        agencies=agencies["agencies"],
        wilayas={w["code"]: w for w in wilayas["wilayas"]},
        synonyms=synonyms,
        revision=revision,
    )


def _load(path: Path, validator, problems: list[str]) -> dict | None:
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        problems.append(f"{path}: file is missing")
        return None
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{path}: not valid TOML: {exc}")
        return None
    try:
        return validator.load(raw)
    except ValidationError as exc:
        problems += [f"{path}: {where}: {what}" for where, what in flatten(exc.messages)]
        return None


def flatten(messages, prefix: str = ""):
    """Turn marshmallow's nested error dict into (field.path, message) pairs."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                step = prefix
            elif isinstance(key, int):
                step = f"{prefix}[{key}]"
            else:
                step = f"{prefix}.{key}" if prefix else str(key)
            yield from flatten(value, step)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield prefix or "(file)", message
    else:
        for message in messages:
            yield from flatten(message, prefix)


def _check_agencies(path: Path, agencies: list[dict], wilayas: list[dict]) -> list[str]:
    known = {w["code"] for w in wilayas}
    problems, seen = [], set()
    for i, agency in enumerate(agencies):
        if agency["code"] in seen:
            problems.append(f"{path}: agencies[{i}].code: {agency['code']!r} is used twice")
        seen.add(agency["code"])
        if agency["wilaya"] not in known:
            problems.append(f"{path}: agencies[{i}].wilaya: {agency['wilaya']} is not in wilayas.toml")
    return problems
