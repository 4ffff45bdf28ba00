"""The validator names file and line for each planted error, and passes the bundled base."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge_base.compiler import DATA_DIR
from knowledge_base.validator import KnowledgeBaseInvalid, load_knowledge_base
from tests.conftest import FIXTURE_KB


def test_the_bundled_knowledge_base_is_valid() -> None:
    kb = load_knowledge_base(DATA_DIR)
    assert kb.rows("ingredients.csv")


def _planted(tmp_path: Path, file_name: str, line: str) -> Path:
    directory = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, directory)
    with (directory / file_name).open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    return directory


@pytest.mark.parametrize("file_name, line, message", [
    ("doses.csv", "paracetamol,oral,adult,daily,5,4,g,,label", "max 4 is below min 5"),
    ("doses.csv", "paracetamol,oral,child,single_per_kg,,10,g,,label",
     "10 g/kg is not a possible dose"),
    ("interactions.csv", "warfarin,aspirinn,major,,,x,y,onc_ddi", "unknown ingredient 'aspirinn'"),
    ("pregnancy.csv", "warfarin,30,10,major,x,label", "week_from is after week_to"),
    ("pregnancy.csv", "warfarin,0,50,major,x,label", "week_to: '50' is not a gestational week"),
    ("ingredients.csv", "newdrug,新药,,nsaid;not_a_class,,,who_atc", "unknown class 'not_a_class'"),
    ("lactation.csv", "warfarin,major,x,nowhere", "unknown source id 'nowhere'"),
    ("lactation.csv", "warfarin,severe,x,label", "severity: 'severe' is not one of"),
    ("names.csv", "华法林钠,warfarin,salt,nedl2018", "duplicate of"),
])
def test_planted_errors_are_reported_with_file_and_line(tmp_path: Path, file_name: str,
                                                         line: str, message: str) -> None:
    directory = _planted(tmp_path, file_name, line)
    expected_line = len((directory / file_name).read_text(encoding="utf-8").splitlines())
    with pytest.raises(KnowledgeBaseInvalid) as caught:
        load_knowledge_base(directory)
    located = [p for p in caught.value.problems if message in p.message]
    assert located, [str(p) for p in caught.value.problems]
    assert located[0].path.endswith(file_name)
    assert located[0].line == expected_line


def test_an_unknown_column_is_an_error(tmp_path: Path) -> None:
    directory = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, directory)
    path = directory / "lactation.csv"
    path.write_text(path.read_text().replace("subject,severity", "subject,severity,extra", 1))
    with pytest.raises(KnowledgeBaseInvalid, match=r"lactation.csv:1: unknown column\(s\) extra"):
        load_knowledge_base(directory)
