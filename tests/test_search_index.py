"""The inverted index gives exactly what a scan of every entry gives: the same hits in the same
order, for the real queries and for every word, word start and one-letter typo of the vocabulary."""

import pytest

from test_search_queries import QUERIES
from webapp.catalog.search import PREFIX_MIN, TYPO_MIN, one_edit


def scan_resolve(index, word):
    """How a typed word was resolved before the index: by reading the whole vocabulary."""
    if word in index.vocab:
        return {index.vocab[word]}
    stem = index.stemmer.stemWord(word)
    if stem in index.all_stems:
        return {stem}
    near = {s for w, s in index.vocab.items() if len(word) >= TYPO_MIN and len(w) >= TYPO_MIN and one_edit(word, w)}
    if len(word) >= PREFIX_MIN:
        near |= {s for w, s in index.vocab.items() if w.startswith(word)}
    return near


def scan(index, query, limit=30):
    """The search as it was before the index: every entry read, for every query."""
    readings = [r for r in index.variants(query) if r]
    scored = []
    for position, (service, task, own, parent, body) in enumerate(index.entries):
        keys = [(-sum(bool(t & (own | parent)) for t in r), -sum(bool(t & own) for t in r), task is not None)
                for r in readings if all(t & body for t in r)]
        if keys:
            scored.append((*min(keys), position, service, task))
    scored.sort(key=lambda s: s[:4])
    return [(s[4], s[5]) for s in scored[:limit]]


def ids(hits):
    return [(service["id"], task and task["id"]) for service, task in hits]


def typos(word):
    yield word[1:]
    yield word[:-1]
    yield word[:2] + word[3:]
    yield word[:2] + "x" + word[2:]
    yield word[:1] + word[2] + word[1] + word[3:]


@pytest.fixture
def langs(app):
    return app.extensions["catalog"].search_index.langs


def test_the_real_queries_give_what_a_scan_gives(langs):
    for lang, query, _wanted in QUERIES:
        index = langs[lang]
        assert ids(index.search(query, limit=1000)) == ids(scan(index, query, limit=1000)), (lang, query)


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_every_word_its_starts_and_typos_give_what_a_scan_gives(langs, lang):
    index = langs[lang]
    typed = set()
    for word in sorted(index.vocab)[::3]:
        typed |= {word, word[:PREFIX_MIN], word[:PREFIX_MIN + 1]}
        if len(word) >= TYPO_MIN:
            typed |= set(typos(word))
    assert len(typed) > 300
    for word in sorted(typed):
        assert index.resolve(word) == scan_resolve(index, word), word
    words = sorted(index.vocab)
    for first, second in zip(words[::7], words[3::7], strict=False):
        query = f"{first} {second}"
        assert ids(index.search(query)) == ids(scan(index, query)), query
