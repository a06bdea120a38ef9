"""Reference codes: 8 random characters without look-alikes, plus a check character."""

import secrets

from ..digits import ascii_digits

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
BODY_LENGTH = 8


def check_character(body: str) -> str:
    """Luhn mod N over the alphabet: catches any single typo and most swaps of neighbours."""
    n, total, factor = len(ALPHABET), 0, 2
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def new_reference() -> str:
    """A fresh random reference (40 bits of randomness, not sequential, not guessable)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def clean(typed: str) -> str:
    """What a person typed, without spaces or dashes, in capitals, at most 20 characters."""
    return "".join(ascii_digits(str(typed or "")).split()).replace("-", "").upper()[:20]


def normalize(typed: str) -> str | None:
    """The reference a person typed (any case, with spaces or dashes) if it is well-formed."""
    cleaned = clean(typed)
    if len(cleaned) != BODY_LENGTH + 1 or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned if check_character(cleaned[:-1]) == cleaned[-1] else None


def display(reference: str) -> str:
    """Grouped for reading aloud and copying: ABCD-EFGH-K."""
    return f"{reference[:4]}-{reference[4:8]}-{reference[8:]}"
