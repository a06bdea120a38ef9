"""Finding agencies by what a person types: a town or wilaya in Arabic, French or English
(with or without its article, accents or hamza), or a wilaya number ("9", "09", "٠٩")."""

from .search import TYPO_MIN, bare, one_edit, words

MAX_QUERY = 100  # characters of the typed text that are read
# Words people add that name no place ("wilaya de Blida", "وكالة البليدة"): not matched.
FILLER = set(words("wilaya agence agency cnas de d du of the la le l el ولاية وكالة"))


def _forms(word: str) -> set[str]:
    """A normalised word as written and without its Arabic article or clitic."""
    return {word, bare(word)}


def agency_words(agency: dict, wilayas: dict[int, dict]) -> set[str]:
    """Every word (both forms) of an agency's names, addresses and wilaya names, in all languages."""
    texts = [*agency["name"].values(), *agency["address"].values()]
    wilaya = wilayas.get(agency["wilaya"])
    if wilaya:
        texts += wilaya["name"].values()
    return {form for text in texts for word in words(text) for form in _forms(word)}


def _matches(typed: str, agency: dict, known: set[str]) -> bool:
    if typed.isdigit():
        return int(typed) == agency["wilaya"]
    return any(known_word.startswith(form) or (len(form) >= TYPO_MIN and one_edit(form, known_word))
               for form in _forms(typed) for known_word in known)


def matching(agencies: list[dict], wilayas: dict[int, dict], query: str) -> list[dict]:
    """The agencies every typed word matches (a word starts, or is one typo from, one of the
    agency's words; a number is its wilaya's). An empty query matches every agency."""
    typed = [w for w in words((query or "")[:MAX_QUERY]) if not _forms(w) & FILLER]
    if not typed:
        return list(agencies)
    return [a for a in agencies if all(_matches(t, a, agency_words(a, wilayas)) for t in typed)]
