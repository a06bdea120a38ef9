"""Server-rendered SVG bar charts: no JavaScript, no library, mirrored for right-to-left pages.

A chart is only a picture: pages always follow it with a <table> of the same figures, which
screen readers, keyboard users and printers get in full.
"""

from markupsafe import Markup, escape

WIDTH = 640  # viewBox units; the chart scales to its container (see .chart in site.css)
LABEL = 250  # room for the labels, on the start side
GAP = 8
VALUE = 60  # room for the value written after each bar
ROW = 22
BAR = 14
MAX_LABEL = 34  # characters; the table next to the chart has the full text
# At 13 px (site.css) no font this app may meet averages more than 9 px a character, so a label
# of FITS characters or fewer always fits in LABEL; a longer one is drawn at exactly the room
# there is (textLength), narrower rather than cut by the edge of the picture.
FITS = 27
ROOM = LABEL - 4
# Each label is a bidi isolate (FSI ... PDI): an Arabic date ("1 ديسمبر") or a French one in a
# right-to-left chart reads in its own direction, whatever the picture's.
FSI, PDI = "\u2068", "\u2069"


def short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _label(x: float, y: float, label: str) -> str:
    text = short(label)
    squeeze = f' textLength="{ROOM}" lengthAdjust="spacingAndGlyphs"' if len(text) > FITS else ""
    return f'<text x="{x}" y="{y}" text-anchor="end"{squeeze}>{FSI}{escape(text)}{PDI}</text>'


def bar_chart(chart_id: str, title: str, items, rtl: bool = False, marked=frozenset()) -> Markup:
    """Horizontal bars for [(label, value)] as an inline <svg role="img"> named by its <title>;
    the rows whose index is in `marked` (e.g. the days the agency was closed) get the class
    "marked" (drawn apart by site.css; their label says why).

    Coordinates are mirrored for RTL and `direction` is set on the <svg>, so the same
    text-anchor values put labels on the start side and values after the bars either way."""
    items = [(str(label), value or 0) for label, value in items]
    top = max((value for _, value in items), default=0) or 1
    span = WIDTH - LABEL - GAP - VALUE
    height = ROW * max(len(items), 1) + 4

    def x(position: float) -> float:  # from the start side
        return round(WIDTH - position if rtl else position, 1)

    rows = []
    for n, (label, value) in enumerate(items):
        y = 2 + n * ROW
        width = round(span * value / top, 1)
        bar_x = x(LABEL + GAP + width) if rtl else x(LABEL + GAP)
        rows.append(
            f'<g class="bar{" marked" if n in marked else ""}">{_label(x(LABEL), y + 15, label)}'
            f'<rect x="{bar_x}" y="{y + 3}" width="{width}" height="{BAR}"></rect>'
            f'<text class="value" x="{x(LABEL + GAP + width + 4)}" y="{y + 15}" text-anchor="start">'
            f"{escape(value)}</text></g>"
        )
    return Markup(
        f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-labelledby="{escape(chart_id)}-title" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'direction="{"rtl" if rtl else "ltr"}" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{escape(chart_id)}-title">{escape(title)}</title>'
        + "".join(rows) + "</svg>"
    )
