"""The README and docs/ against the repository: CI's command, links, anchors. No test reads their prose."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _commands(path: Path) -> list[list[str]]:
    """The shell commands of a script (comments, blank lines and `set`/`cd` plumbing left out)."""
    out = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith(("set ", "cd ")):
            out.append(shlex.split(line))
    return out


def _readme_quick_start() -> list[list[str]]:
    """The commands of the README's first code block (what a new user types)."""
    block = REPO.joinpath("README.md").read_text().split("```bash\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line.split("#", 1)[0]) for line in block.splitlines() if line.split("#", 1)[0].strip()]


def test_the_readme_test_command_is_what_ci_runs():
    assert _commands(REPO / ".ci" / "run") == [["bash", "scripts/test.sh"]]
    quick = _readme_quick_start()
    assert ["bash", "scripts/test.sh"] in quick and ["bash", "scripts/demo.sh"] in quick
    assert all((REPO / cmd[1]).is_file() for cmd in quick)


def _anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    text = heading.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def test_every_relative_link_and_anchor_exists():
    broken = []
    for page in PAGES:
        for target in LINK.findall(page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue  # http(s), mailto
            file, _, anchor = target.partition("#")
            dest = (page.parent / file).resolve() if file else page
            if not dest.exists():
                broken.append(f"{page.relative_to(REPO)}: {target}")
            elif anchor and dest.suffix == ".md":
                headings = [line.lstrip("#") for line in dest.read_text().splitlines() if line.startswith("#")]
                if anchor not in {_anchor(h) for h in headings}:
                    broken.append(f"{page.relative_to(REPO)}: {target} (no such heading)")
    assert not broken, broken


def test_the_anchor_rule():
    assert _anchor(" Tracking-server outages (MLflow, Prefect)") == "tracking-server-outages-mlflow-prefect"
    assert _anchor(" `nircolor bench`") == "nircolor-bench"


def test_the_readme_stays_a_front_page():
    assert len(REPO.joinpath("README.md").read_text().splitlines()) <= 150
