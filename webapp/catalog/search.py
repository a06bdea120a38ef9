"""Search over the catalog: accent-, case- and Arabic-form-insensitive, ranked simply."""

import re
import unicodedata

LANGS = ("ar", "fr", "en")
# Letters written several ways in Arabic text, mapped to one form.
ARABIC_FOLD = str.maketrans({"ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي", "ء": "", "ـ": ""})
WORD = re.compile(r"\w+")


def normalize(text: str) -> str:
    """Fold case, accents, Arabic diacritics and letter variants (أ إ آ ٱ → ا, ة → ه ...)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped.replace("ٱ", "ا")).translate(ARABIC_FOLD)


def words(text: str) -> list[str]:
    """The normalised words of a text."""
    return WORD.findall(normalize(text))


class SearchIndex:
    """For each language, the normalised title and body of every service and task."""

    def __init__(self, services: list[dict]):
        self.entries = {lang: [] for lang in LANGS}
        for service in services:
            self._add(service, None, [service["summary"]])
            for task in service["tasks"]:
                texts = [task["summary"], task["who"]]
                texts += [d["text"] for g in task["checklist"] for d in g["documents"]]
                self._add(service, task, texts, extra=[f["code"] for f in task["forms"]])

    def _add(self, service, task, texts, extra=()):
        item = task or service
        for lang in LANGS:
            title = set(words(item["title"][lang]))
            if task:
                title |= set(words(service["title"][lang]))
            body = set(words(" ".join(t[lang] for t in texts) + " " + " ".join(extra)))
            self.entries[lang].append((service, task, title, body | title))

    def search(self, lang: str, query: str, limit: int = 30) -> list[tuple[dict, dict | None]]:
        """Hits for a query: every query word must start some word; title matches rank first."""
        terms = words(query)
        if not terms:
            return []
        scored = []
        for position, (service, task, title, body) in enumerate(self.entries[lang]):
            if all(any(w.startswith(t) for w in body) for t in terms):
                in_title = sum(any(w.startswith(t) for w in title) for t in terms)
                scored.append((-in_title, task is not None, position, service, task))
        scored.sort(key=lambda s: s[:3])
        return [(s[3], s[4]) for s in scored[:limit]]
