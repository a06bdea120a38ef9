"""Read and validate content/ into a Catalog; every problem is reported with file and field."""

import tomllib
from dataclasses import dataclass, field
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


def load_catalog(content_dir: str | Path) -> Catalog:
    """Load and validate every content file; raise ContentError listing all problems."""
    root = Path(content_dir)
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
