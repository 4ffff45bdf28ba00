"""``reviewer kb``: stats against the targets, compile, and a fact-by-fact diff."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from knowledge_base.cli import TARGETS, coverage
from knowledge_base.compiler import DATA_DIR
from knowledge_base.validator import load_knowledge_base
from tests.conftest import FIXTURE_KB

ROOT = Path(__file__).resolve().parents[2]


def _kb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reviewer.cli", "kb", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_the_bundled_base_meets_the_coverage_targets() -> None:
    counts = coverage(load_knowledge_base(DATA_DIR))
    for name, target in TARGETS.items():
        assert counts[name] >= target, (name, counts[name], target)
    result = _kb("stats")
    assert result.returncode == 0, result.stdout
    assert "BELOW TARGET" not in result.stdout


def test_compile_prints_the_version() -> None:
    result = _kb("compile", str(FIXTURE_KB))
    assert result.returncode == 0 and result.stdout.startswith("version test.1+")


def test_diff_lists_facts_added_removed_and_changed(tmp_path: Path) -> None:
    new = tmp_path / "new"
    shutil.copytree(FIXTURE_KB, new)
    lactation = new / "lactation.csv"
    lactation.write_text(lactation.read_text().replace("contraindicated,哺乳期禁用",
                                                       "major,哺乳期避免使用"))
    with (new / "pregnancy.csv").open("a") as handle:
        handle.write("methotrexate,0,42,contraindicated,妊娠期禁用,label\n")
    pediatric = new / "pediatric.csv"
    pediatric.write_text("\n".join(l for l in pediatric.read_text().splitlines()
                                   if not l.startswith("codeine")) + "\n")
    result = _kb("diff", str(FIXTURE_KB), str(new))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(l.startswith("+ pregnancy.csv methotrexate") for l in lines)
    assert any(l.startswith("- pediatric.csv codeine") for l in lines)
    assert any(l.startswith("~ lactation.csv methotrexate") and "severity: contraindicated -> major"
               in l for l in lines)


def test_validate_reports_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, broken)
    with (broken / "doses.csv").open("a") as handle:
        handle.write("paracetamol,oral,adult,daily,5,4,g,,label\n")
    result = _kb("validate", str(broken))
    line = len((broken / "doses.csv").read_text().splitlines())
    assert result.returncode == 1
    assert f"doses.csv:{line}: max 4 is below min 5" in result.stderr
