"""Templates people can read: short lines, and Jinja set up so that indentation costs nothing."""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "webapp" / "templates"
MAX_LINE = 120


def test_no_template_line_is_longer_than_120_characters():
    too_long = [
        f"{path.relative_to(TEMPLATES)}:{number}: {len(line)} characters"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if len(line.encode()) > MAX_LINE  # in bytes, as editors and review tools count them
    ]
    assert not too_long, "\n".join(too_long)


def test_block_tags_leave_no_blank_lines_or_indentation(app):
    assert app.jinja_env.trim_blocks and app.jinja_env.lstrip_blocks
