"""Search over the catalog: normalised, stemmed (Snowball), with synonyms and one typo forgiven.

The same index, serialised by `offline_index`, drives the phone's offline search (static/js/search.js):
the phone only normalises words (the rules below, mirrored) and looks their stems up in the index.
"""

import bisect
import re
import unicodedata

import snowballstemmer

LANGS = ("ar", "fr", "en")
STEMMERS = {"ar": "arabic", "fr": "french", "en": "english"}
# Letters written several ways in Arabic text, mapped to one form; Arabic-Indic digits to ASCII.
ARABIC_FOLD = str.maketrans({"ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي", "ء": "", "ـ": "", "ٱ": "ا"}
                            | {chr(0x660 + i): str(i) for i in range(10)} | {chr(0x6F0 + i): str(i) for i in range(10)})
# The article and clitics glued to the front of an Arabic word, longest first.
ARABIC_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل")
ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
WORD = re.compile(r"\w+")
# Words too common to say anything; dropped from queries (not from the index).
STOPWORDS = {
    "ar": "في من على عن الى الي او ان ما هل مع هو هي كيف اين متي لي عند",
    "fr": "a au aux ce d de des du en et j l la le les mon ma mes ou par pour quel quelle sur un une votre vos",
    "en": "a an and at do for how i in is it my of on or s the to what when where your",
}
TYPO_MIN = 5  # one typo is forgiven in words this long or longer
PREFIX_MIN = 3  # a word being typed matches the words it starts


def normalize(text: str) -> str:
    """Fold case, accents, Arabic diacritics, letter variants (أ إ آ ٱ → ا, ة → ه ...) and digits."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    return unicodedata.normalize("NFC", stripped).translate(ARABIC_FOLD)


def words(text: str) -> list[str]:
    """The normalised words of a text."""
    return WORD.findall(normalize(text))


def bare(word: str) -> str:
    """A normalised word without its Arabic article or clitic prefix (when 3 letters or more remain)."""
    if ARABIC_LETTER.match(word):
        for prefix in ARABIC_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                return word[len(prefix):]
    return word


def one_edit(a: str, b: str) -> bool:
    """True when b is a with one letter changed, added, removed, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1:] == b[i + 1:] or (a[i + 1:i + 2] == b[i:i + 1] and a[i:i + 1] == b[i + 1:i + 2]
                                           and a[i + 2:] == b[i + 2:])
    return a[i + 1:] == b[i:] if len(a) > len(b) else a[i:] == b[i + 1:]


class LanguageIndex:
    """The searchable form of the catalog in one language: a vocabulary (word → stem) and entries."""

    def __init__(self, lang: str, synonyms: dict[str, str]):
        self.lang = lang
        self.stemmer = snowballstemmer.stemmer(STEMMERS[lang])
        self.vocab: dict[str, str] = {}
        self.entries: list[tuple] = []  # (service, task, own title stems, service title stems, all stems)
        self.stop = set(words(STOPWORDS[lang]))
        self.synonyms = [(self.stems(said, drop=self.stop), self.stems(meant, drop=self.stop))
                         for said, meant in synonyms.items()]
        self.synonyms.sort(key=lambda s: -len(s[0]))

    def __getstate__(self):  # kept in the compiled catalog (loader.py) without its stemmer
        return {k: v for k, v in self.__dict__.items() if k != "stemmer"}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.stemmer = snowballstemmer.stemmer(STEMMERS[self.lang])

    def stems(self, text: str, drop=()) -> list[str]:
        """The stems of a text's words (but those in drop), each word added to the vocabulary."""
        found = []
        for word in (bare(w) for w in words(text) if w not in drop):
            if word not in self.vocab:
                self.vocab[word] = self.stemmer.stemWord(word)
            found.append(self.vocab[word])
        return found

    def add(self, service, task, title, service_title, body):
        own, parent = set(self.stems(title)), set(self.stems(service_title)) if task else set()
        self.entries.append((service, task, own, parent, own | parent | set(self.stems(body))))

    def resolve(self, word: str) -> set[str]:
        """The indexed stems a typed word stands for: its own, or those one typo or a few letters away."""
        if word in self.vocab:
            return {self.vocab[word]}
        stem = self.stemmer.stemWord(word)  # online only: the phone has no stemmer, only the vocabulary
        if stem in self.all_stems:
            return {stem}
        near = set()
        if len(word) >= TYPO_MIN:  # one edit away: a word of the same length, or one letter more or less
            for size in range(max(len(word) - 1, TYPO_MIN), len(word) + 2):
                near |= {self.vocab[w] for w in self.by_length.get(size, ()) if one_edit(word, w)}
        if len(word) >= PREFIX_MIN:  # the words it starts: a run of the sorted vocabulary
            i = bisect.bisect_left(self.sorted_words, word)
            while i < len(self.sorted_words) and self.sorted_words[i].startswith(word):
                near.add(self.vocab[self.sorted_words[i]])
                i += 1
        return near

    def variants(self, query: str) -> list[list[set[str]]]:
        """The query as sets of acceptable stems per word; a second reading with synonyms replaced."""
        typed = [w for w in words(query) if w not in self.stop] or words(query)
        terms = [self.resolve(bare(w)) for w in typed]
        keys = [next(iter(t)) if len(t) == 1 else None for t in terms]
        replaced, i, changed = [], 0, False
        while i < len(terms):
            said, meant = next(((s, m) for s, m in self.synonyms if keys[i:i + len(s)] == s), (None, None))
            if said:
                replaced += [{m} for m in meant]
                i, changed = i + len(said), True
            else:
                replaced.append(terms[i])
                i += 1
        return [terms, replaced] if changed else [terms]

    def finish(self):
        """Build the lookups: every stem, the vocabulary by length and sorted, and the inverted
        index (stem → positions of the entries holding it), so that a query reads only the
        entries that hold its words, however big the catalog."""
        self.all_stems = set(self.vocab.values())
        self.synonyms = [(s, m) for s, m in self.synonyms if s]
        self.sorted_words = sorted(self.vocab)
        self.by_length: dict[int, list[str]] = {}
        for word in self.sorted_words:
            self.by_length.setdefault(len(word), []).append(word)
        self.postings: dict[str, list[int]] = {}
        for position, entry in enumerate(self.entries):
            for stem in entry[4]:
                self.postings.setdefault(stem, []).append(position)

    def holding(self, reading: list[set[str]]) -> set[int]:
        """Positions of the entries that hold, for every word of a reading, one of its stems."""
        found = None
        for term in reading:
            positions = set().union(*(self.postings.get(stem, ()) for stem in term))
            found = positions if found is None else found & positions
            if not found:
                return set()
        return found or set()

    def search(self, query: str, limit: int = 30):
        """Entries matching every word of a reading; title matches first, a named procedure before its service."""
        readings = [r for r in self.variants(query) if r]
        scored = []
        for position in sorted(set().union(*(self.holding(r) for r in readings))):
            service, task, own, parent, body = self.entries[position]
            keys = [(-sum(bool(t & (own | parent)) for t in r), -sum(bool(t & own) for t in r), task is not None)
                    for r in readings if all(t & body for t in r)]
            if keys:
                scored.append((*min(keys), position, service, task))
        scored.sort(key=lambda s: s[:4])
        return [(s[4], s[5]) for s in scored[:limit]]

    def offline(self) -> dict:
        """What the phone needs to search the same way: entries as stems, the vocabulary, synonyms, stop words."""
        entries = []
        for service, task, own, parent, body in self.entries:
            item = task or service
            entry = {"s": service["id"], "t": item["title"][self.lang], "h": " ".join(sorted(own)),
                     "w": " ".join(sorted(body - own - parent))}
            if task:
                entry |= {"k": task["id"], "st": service["title"][self.lang], "p": " ".join(sorted(parent))}
            entries.append(entry)
        vocab = {w: ("" if s == w else s) for w, s in sorted(self.vocab.items())}
        return {"entries": entries, "vocab": vocab, "synonyms": self.synonyms, "stop": sorted(self.stop),
                "typo": TYPO_MIN, "prefix": PREFIX_MIN}


class SearchIndex:
    """For each language, the stems of the title and body of every service and task."""

    def __init__(self, services: list[dict], synonyms: dict[str, dict[str, str]] | None = None):
        self.langs = {lang: LanguageIndex(lang, (synonyms or {}).get(lang, {})) for lang in LANGS}
        for lang, index in self.langs.items():
            for service in services:
                index.add(service, None, service["title"][lang], "", service["summary"][lang])
                for task in service["tasks"]:
                    texts = [task["summary"][lang], task["who"][lang]]
                    texts += [d["text"][lang] for g in task["checklist"] for d in g["documents"]]
                    texts += [f["code"] for f in task["forms"] if f["code"]]
                    index.add(service, task, task["title"][lang], service["title"][lang], " ".join(texts))
            index.finish()

    def search(self, lang: str, query: str, limit: int = 30) -> list[tuple[dict, dict | None]]:
        """Hits for a query in a language, best first."""
        return self.langs[lang].search(query[:500], limit)
