"""The README stays true: every setting, command and make target it should mention."""

import re
from pathlib import Path

from webapp.__main__ import cli
from webapp.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_gives_the_two_commands_first():
    assert README.index("make run") < README.index("make test") < README.index("## Configuration")


def test_every_setting_is_documented():
    missing = [name for name in SETTINGS if f"`{name}`" not in README]
    assert not missing, f"README does not document: {missing}"


def test_every_command_is_documented():
    missing = [name for name in cli.commands if f"python -m webapp {name}" not in README]
    assert not missing, f"README does not document: {missing}"


def test_every_make_target_has_help():
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY: (.*)$", makefile, re.M).group(1).split()
    documented = set(re.findall(r"^([a-z0-9-]+):.*## ", makefile, re.M))
    assert not set(phony) - documented, set(phony) - documented
