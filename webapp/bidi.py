"""Left-to-right pieces inside right-to-left text: phone numbers, e-mails, web addresses, form codes.

In an Arabic sentence, "021 43 88 51" shows as "51 88 43 021" and an e-mail or a web address
next to Arabic punctuation can come out scrambled: the Unicode bidi algorithm reorders them.
Wrapping each such piece in <bdi dir="ltr"> isolates it, so it reads left to right, the same way
on every page. This is done at render time (the `ltr` filter), never by editing the content.
"""

import re

from markupsafe import Markup, escape

LTR_RUN = re.compile(
    r"""
      (?:https?://|www\.)[^\s<>"]*[^\s<>".,;:!?؛،)\]]                      # a web address
    | [A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+                # an e-mail
    | \b[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:dz|com|org|net)\b(?:/[^\s<>"]*[^\s<>".,;:!?؛،)])?  # a domain
    | (?P<phone>(?:\+213[ .]?|\b0)\d{2,3}(?:[ .]?\d{2}){3}\b)             # a phone number
    | \b(?:AT[ ]?\d{2}|ATS|DAC|DAS)\b                                      # a form code
    """,
    re.VERBOSE,
)


def isolate(text: str, rtl: bool = True) -> Markup:
    """The text, HTML-escaped, with every left-to-right piece isolated when the page is right to left."""
    if not rtl:
        return escape(text)
    out, end = [], 0
    for match in LTR_RUN.finditer(text):
        piece = match.group()
        if match.group("phone"):
            piece = piece.replace(" ", "\u00a0")  # a phone number is not split across two lines
        out += [escape(text[end:match.start()]), Markup('<bdi dir="ltr">'), escape(piece), Markup("</bdi>")]
        end = match.end()
    out.append(escape(text[end:]))
    return Markup("").join(out)


def ltr_filter(text) -> Markup:
    """Jinja filter: isolate() for the reader's language (only right-to-left languages need it)."""
    from .i18n import LANGUAGES, current

    return isolate("" if text is None else str(text), LANGUAGES[current()]["dir"] == "rtl")
