"""What the phone keeps for offline use: the pages of a language with revisions, a search index."""

import hashlib
import json


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


def index_entries(catalog, lang: str) -> dict:
    """The search index of a language as the phone gets it: entries as stems, vocabulary, synonyms."""
    return catalog.search_index.langs[lang].offline()


def kind(endpoint: str) -> str:
    """How the phone uses a saved page. "page" and "checklist": catalog pages shown from the phone
    at once and checked in the background (a checklist also says when it changed); "fallback":
    shown only without network (the offline and outbox pages); "index": the offline search index."""
    if endpoint == "public.task":
        return "checklist"
    if endpoint.startswith("public."):
        return "page"
    return "index" if endpoint == "pwa.offline_index" else "fallback"
