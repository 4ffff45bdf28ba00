"""Load the knowledge-base files and check them, naming file and line for each error.

``load_knowledge_base(directory)`` returns a ``KnowledgeBase`` or raises
``KnowledgeBaseInvalid`` listing every problem found, not just the first.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge_base.schema import FILES, FileSpec

#: Files a knowledge base must have; the rest are optional.
REQUIRED_FILES = ("sources.csv", "classes.csv", "ingredients.csv", "names.csv")

_MASS_TO_MG = {"g": 1000.0, "mg": 1.0, "ug": 0.001}
#: The largest per-kg dose of anything (mg/kg): above it, the value is a typo.
MAX_MG_PER_KG = 1000.0


@dataclass(frozen=True)
class Problem:
    """One error or warning, located in a file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class KnowledgeBaseInvalid(Exception):
    """The knowledge base failed validation; ``problems`` lists why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:50])
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the knowledge base:\n{shown}{more}")


class Row(dict[str, Any]):
    """A parsed fact: its cells by column, plus where it was read."""

    path: str = ""
    line: int = 0


@dataclass
class KnowledgeBase:
    """Every validated fact, by file name, with indexes the compiler needs."""

    tables: dict[str, list[Row]]
    warnings: list[Problem] = field(default_factory=list)

    def rows(self, file_name: str) -> list[Row]:
        return self.tables.get(file_name, [])

    @property
    def ingredient_ids(self) -> set[str]:
        return {row["id"] for row in self.rows("ingredients.csv")}

    @property
    def class_ids(self) -> set[str]:
        return {row["id"] for row in self.rows("classes.csv")}


def read_rows(path: Path, spec: FileSpec, problems: list[Problem]) -> list[Row]:
    """Parse one CSV file against its spec; bad cells become problems."""
    rows: list[Row] = []
    raw = path.read_text(encoding="utf-8")
    lines = [line for line in io.StringIO(raw)]
    header_line = next((i for i, l in enumerate(lines) if l.strip() and not l.startswith("#")), None)
    if header_line is None:
        problems.append(Problem(str(path), 1, "file has no header row"))
        return rows
    reader = csv.reader(lines[header_line:])
    header = [h.strip() for h in next(reader)]
    unknown = [h for h in header if h not in spec.columns]
    missing = [c for c in spec.columns if c not in header and c not in spec.optional]
    if unknown or missing:
        what = []
        if unknown:
            what.append(f"unknown column(s) {', '.join(unknown)}")
        if missing:
            what.append(f"missing column(s) {', '.join(missing)}")
        problems.append(Problem(str(path), header_line + 1, "; ".join(what)))
        return rows
    line_no = header_line + 1
    for cells in reader:
        line_no = header_line + reader.line_num
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        if cells[0].lstrip().startswith("#"):
            continue
        if len(cells) != len(header):
            problems.append(Problem(str(path), line_no,
                                    f"expected {len(header)} cells, found {len(cells)}"))
            continue
        row = Row()
        row.path, row.line = str(path), line_no
        ok = True
        for column in spec.optional:
            if column not in header:
                row[column] = spec.columns[column]("")
        for column, cell in zip(header, cells):
            try:
                row[column] = spec.columns[column](cell.strip())
            except ValueError as exc:
                problems.append(Problem(str(path), line_no, f"{column}: {exc}"))
                ok = False
        if ok:
            rows.append(row)
    return rows


def load_knowledge_base(directory: Path | str, extra: Iterable[Path] = (),
                        foreign_ids_are_warnings: bool = False) -> KnowledgeBase:
    """Read and validate every file in ``directory`` (and the ``extra`` directories,
    layered on top: their rows are added to the same tables)."""
    problems: list[Problem] = []
    tables: dict[str, list[Row]] = {}
    directories = [Path(directory), *map(Path, extra)]
    for spec in FILES.values():
        stem = spec.name[:-4]
        for folder in directories:
            for candidate in (folder / spec.name, folder / f"{stem}_new.csv"):
                if candidate.exists():
                    tables.setdefault(spec.name, []).extend(read_rows(candidate, spec, problems))
    for name in REQUIRED_FILES:
        if name not in tables:
            problems.append(Problem(str(Path(directory) / name), 0, "required file is missing"))
    for folder in directories:
        for path in sorted(folder.glob("*.csv")):
            if path.name not in FILES and path.name.removesuffix("_new.csv") + ".csv" not in FILES:
                problems.append(Problem(str(path), 0, "unknown knowledge-base file"))
    kb = KnowledgeBase(tables)
    warnings: list[Problem] = []
    _check_references(kb, problems, warnings if foreign_ids_are_warnings else problems)
    _check_keys(kb, problems)
    _check_values(kb, problems)
    if problems:
        raise KnowledgeBaseInvalid(problems)
    kb.warnings = warnings
    return kb


def _check_references(kb: KnowledgeBase, problems: list[Problem],
                      foreign: list[Problem]) -> None:
    """Every id a fact names must be declared: sources, classes, ingredients."""
    sources = {row["id"] for row in kb.rows("sources.csv")}
    classes = kb.class_ids
    ingredients = kb.ingredient_ids

    def check_subject(row: Row, column: str, value: str) -> None:
        if value.startswith("class:"):
            if value[6:] not in classes:
                problems.append(Problem(row.path, row.line, f"{column}: unknown class {value[6:]!r}"))
        elif value not in ingredients:
            foreign.append(Problem(row.path, row.line, f"{column}: unknown ingredient {value!r}"))

    for file_name, rows in kb.tables.items():
        spec = FILES[file_name]
        for row in rows:
            for source_id, _ in row.get("source", ()):
                if source_id not in sources:
                    problems.append(Problem(row.path, row.line, f"source: unknown source id {source_id!r}"))
            for column in ("subject", "a", "b", "target"):
                if column in spec.columns and column in row:
                    if file_name in ("doses.csv", "frequency_rules.csv", "solvents.csv"):
                        if row[column] not in ingredients:
                            foreign.append(Problem(row.path, row.line, f"{column}: unknown ingredient {row[column]!r}"))
                    else:
                        check_subject(row, column, row[column])
    for row in kb.rows("ingredients.csv"):
        for class_id in row["classes"]:
            if class_id not in classes:
                problems.append(Problem(row.path, row.line, f"classes: unknown class {class_id!r}"))
    for row in kb.rows("names.csv"):
        for ingredient, _, _ in row["ingredients"]:
            if ingredient not in ingredients:
                foreign.append(Problem(row.path, row.line, f"ingredients: unknown ingredient {ingredient!r}"))
    for row in kb.rows("cross_sensitivity.csv"):
        for column in ("allergy_class", "drug_class"):
            if row[column] not in classes:
                problems.append(Problem(row.path, row.line, f"{column}: unknown class {row[column]!r}"))
    for row in kb.rows("solvents.csv"):
        for solvent in row["allowed"]:
            if solvent not in ingredients:
                foreign.append(Problem(row.path, row.line, f"allowed: unknown ingredient {solvent!r}"))


def _key(spec: FileSpec, row: Row) -> tuple[Any, ...]:
    key = tuple(row[column] for column in spec.key)
    if spec.name in ("interactions.csv",):
        a, b, route_a, route_b = key
        return tuple(sorted([(a, route_a), (b, route_b)]))
    if spec.name == "compatibility.csv":
        return tuple(sorted(key))
    return key


def _check_keys(kb: KnowledgeBase, problems: list[Problem]) -> None:
    """No fact may be stated twice (the second would silently win)."""
    for file_name, rows in kb.tables.items():
        spec = FILES[file_name]
        seen: dict[tuple[Any, ...], Row] = {}
        for row in rows:
            key = _key(spec, row)
            if key in seen:
                first = seen[key]
                problems.append(Problem(row.path, row.line,
                                        f"duplicate of {first.path}:{first.line} "
                                        f"({', '.join(map(str, key))})"))
            else:
                seen[key] = row


def _check_values(kb: KnowledgeBase, problems: list[Problem]) -> None:
    """Impossible or contradictory values."""
    for row in kb.rows("interactions.csv") + kb.rows("compatibility.csv"):
        if row["a"] == row["b"] and not row["a"].startswith("class:"):
            problems.append(Problem(row.path, row.line, "an ingredient cannot interact with itself"))
    for row in kb.rows("pregnancy.csv"):
        if row["week_from"] > row["week_to"]:
            problems.append(Problem(row.path, row.line, "week_from is after week_to"))
    for row in kb.rows("doses.csv"):
        low, high = row["min"], row["max"]
        if low is None and high is None:
            problems.append(Problem(row.path, row.line, "a dose limit needs min or max"))
        if low is not None and high is not None and high < low:
            problems.append(Problem(row.path, row.line, f"max {high:g} is below min {low:g}"))
        if high == 0:
            problems.append(Problem(row.path, row.line, "max must be above zero"))
        if "per_kg" in row["basis"] and row["unit"] in _MASS_TO_MG:
            for value in (low, high):
                if value is not None and value * _MASS_TO_MG[row["unit"]] > MAX_MG_PER_KG:
                    problems.append(Problem(row.path, row.line,
                                            f"{value:g} {row['unit']}/kg is not a possible dose"))
    _check_single_below_daily(kb.rows("doses.csv"), problems)
    for row in kb.rows("prescription_limits.csv"):
        if (row["max_days"] is None) == (row["max_doses"] is None):
            problems.append(Problem(row.path, row.line, "give exactly one of max_days and max_doses"))
    for row in kb.rows("frequencies.csv"):
        if row["per_week"] + 1e-9 < row["per_day"]:
            problems.append(Problem(row.path, row.line, "per_week is below per_day"))


def _check_single_below_daily(rows: list[Row], problems: list[Problem]) -> None:
    """A single-dose maximum above the daily maximum is a contradiction."""
    daily: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        if row["basis"].startswith("daily") and row["max"] is not None:
            daily[(row["subject"], row["route"], row["population"],
                   row["basis"].replace("daily", ""), row["condition"])] = row
    for row in rows:
        if not row["basis"].startswith("single") or row["max"] is None:
            continue
        other = daily.get((row["subject"], row["route"], row["population"],
                           row["basis"].replace("single", ""), row["condition"]))
        if other is None or other["unit"] not in _MASS_TO_MG or row["unit"] not in _MASS_TO_MG:
            continue
        single_mg = row["max"] * _MASS_TO_MG[row["unit"]]
        daily_mg = other["max"] * _MASS_TO_MG[other["unit"]]
        if single_mg > daily_mg + 1e-9:
            problems.append(Problem(row.path, row.line,
                                    f"single maximum exceeds the daily maximum at "
                                    f"{other.path}:{other.line}"))
