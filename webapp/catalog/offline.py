"""What the phone keeps for offline use: the pages of a language with revisions, a search index."""

import hashlib
import json

from .search import words


def revision(*parts) -> str:
    """A short hash of whatever a page is made from."""
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def pages(catalog, lang: str) -> list[tuple[str, dict, object]]:
    """(endpoint, url values, what the page shows) for every catalog page of a language."""
    listing = [(s["id"], s["category"], s["title"], s["summary"]) for s in catalog.services]
    found = [("public.home", {}, listing), ("public.agencies", {}, (catalog.agencies, catalog.wilayas)),
             ("public.search", {}, listing)]
    for service in catalog.services:
        tasks = [(t["id"], t["title"], t["summary"]) for t in service["tasks"]]
        head = {k: service[k] for k in ("id", "title", "summary", "last_reviewed")}
        found.append(("public.service", {"service_id": service["id"]}, (head, tasks)))
        for task in service["tasks"]:
            found.append(("public.task", {"service_id": service["id"], "task_id": task["id"]}, (head, task)))
    return found


def index_entries(catalog, lang: str) -> list[dict]:
    """Compact search entries: ids, titles and the normalised words of each service and task."""
    entries = []
    for service in catalog.services:
        entries.append({"s": service["id"], "t": service["title"][lang],
                        "w": " ".join(sorted(set(words(service["title"][lang] + " " + service["summary"][lang]))))})
        for task in service["tasks"]:
            texts = [task["title"][lang], task["summary"][lang], task["who"][lang], service["title"][lang]]
            texts += [d["text"][lang] for g in task["checklist"] for d in g["documents"]]
            texts += [f["code"] for f in task["forms"]]
            entries.append({"s": service["id"], "k": task["id"], "t": task["title"][lang],
                            "st": service["title"][lang], "w": " ".join(sorted(set(words(" ".join(texts)))))})
    return entries
