"""Report links under paths with spaces and other special characters; `--compare` parsing."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from rbprofile.report.model import LinkBase

SPECIAL = "my profiles #1 [v2] 100% (ünï)"


@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The profiles dir of every test here (and of `make_run`) has special characters."""
    root = tmp_path / SPECIAL
    root.mkdir()
    monkeypatch.setenv("RBPROFILE_PROFILES_DIR", str(root))
    monkeypatch.setenv("RBPROFILE_HOME", str(tmp_path / "home"))
    return root


def test_href_percent_encodes_every_special_character(tmp_path: Path) -> None:
    target = tmp_path / SPECIAL / "run dir" / "a?b.svg"
    links = LinkBase(tmp_path / "docs")
    href = links.href(target)
    assert href == (
        "../my%20profiles%20%231%20%5Bv2%5D%20100%25%20%28%C3%BCn%C3%AF%29/run%20dir/a%3Fb.svg"
    )
    assert links.link("x [1]", target) == f"[x \\[1\\]]({href})"


def test_report_links_under_a_special_profiles_dir_resolve(make_run, tmp_path: Path, cli) -> None:
    make_run("baseline")
    out = tmp_path / "report out"
    result = cli(["report", "baseline", "--output-dir", str(out)])
    assert result.exit_code == 0, result.output
    links = re.findall(r"\]\(([^)]*)\)", result.stdout)
    assert len(links) > 10
    for link in links:
        assert not re.search(r"[\s#\[\]()?]", link), link
        assert Path(os.path.normpath(out / unquote(link))).exists(), link
    assert "%20%231%20%5Bv2%5D%20100%25" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--compare", "baseline", "--format", "json"],
            "Invalid value for '--compare': got '--format' as AFTER: --compare takes two labels,",
        ),
        (["--compare", "baseline"], "Option '--compare' requires 2 arguments."),
    ],
)
def test_compare_never_swallows_an_option(
    make_run, tmp_path: Path, cli, args: list[str], message: str
) -> None:
    make_run("baseline")
    result = cli(["report", "baseline", "--output-dir", str(tmp_path / "docs"), *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in " ".join(line.strip("│ ") for line in result.stderr.splitlines())


def test_compare_with_two_labels_still_works(make_run, tmp_path: Path, cli) -> None:
    make_run("baseline")
    make_run("after")
    args = ["report", "baseline", "--compare", "baseline", "after", "--format", "json"]
    result = cli([*args, "--output-dir", str(tmp_path / "docs")])
    assert result.exit_code == 0, result.output
    assert '"title": "Comparison"' in result.stdout
