"""``reviewer kb``: validate, compile, count and diff the knowledge base."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from knowledge_base.compiler import DATA_DIR, load_and_compile
from knowledge_base.schema import FILES
from knowledge_base.validator import KnowledgeBase, KnowledgeBaseInvalid, load_knowledge_base

#: Coverage the review centre requires of the bundled base (issue: knowledge base).
TARGETS = {"ingredients": 600, "names": 3000, "interactions": 800, "adult dose limits": 400}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="kb_command", required=True)
    for name, text in (("validate", "check every file; errors name file and line"),
                       ("compile", "compile to kernel tables and print the version"),
                       ("stats", "print coverage counts against the targets")):
        command = sub.add_parser(name, help=text)
        command.add_argument("directory", nargs="?", type=Path, default=DATA_DIR)
    diff = sub.add_parser("diff", help="list what changed between two bases, fact by fact")
    diff.add_argument("old", type=Path)
    diff.add_argument("new", type=Path)


def _load(directory: Path) -> KnowledgeBase | None:
    try:
        return load_knowledge_base(directory)
    except KnowledgeBaseInvalid as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s)", file=sys.stderr)
        return None


def run(args: argparse.Namespace) -> int:
    if args.kb_command == "validate":
        kb = _load(args.directory)
        if kb is None:
            return 1
        total = sum(len(rows) for rows in kb.tables.values())
        print(f"OK: {total} facts in {len(kb.tables)} files")
        return 0
    if args.kb_command == "compile":
        if _load(args.directory) is None:
            return 1
        compiled = load_and_compile(args.directory)
        tables = compiled.tables
        print(f"version {compiled.version}")
        print(f"  ingredients {len(tables.ingredient_ids)}, interaction pairs "
              f"{len(tables.interactions)}, facts {len(tables.facts)}, "
              f"names {len(compiled.lexicon.names)}")
        return 0
    if args.kb_command == "stats":
        kb = _load(args.directory)
        if kb is None:
            return 1
        return print_stats(kb)
    if args.kb_command == "diff":
        old, new = _load(args.old), _load(args.new)
        if old is None or new is None:
            return 1
        for line in diff(old, new):
            print(line)
        return 0
    raise AssertionError(args.kb_command)


def coverage(kb: KnowledgeBase) -> dict[str, int]:
    """The counts the coverage targets are stated in."""
    adult = {r["subject"] for r in kb.rows("doses.csv") if r["population"] == "adult"}
    child = {r["subject"] for r in kb.rows("doses.csv") if r["population"] == "child"}
    return {
        "ingredients": len(kb.rows("ingredients.csv")),
        "names": len(kb.rows("names.csv")),
        "interactions": len(kb.rows("interactions.csv")),
        "adult dose limits": len(adult),
        "child dose limits": len(child),
        "pregnancy": len(kb.rows("pregnancy.csv")),
        "lactation": len(kb.rows("lactation.csv")),
        "pediatric": len(kb.rows("pediatric.csv")),
        "elderly": len(kb.rows("elderly.csv")),
        "diseases": len(kb.rows("diseases.csv")),
        "classes": len(kb.rows("classes.csv")),
        "sources": len(kb.rows("sources.csv")),
    }


def print_stats(kb: KnowledgeBase) -> int:
    counts = coverage(kb)
    short = 0
    for name, count in counts.items():
        target = TARGETS.get(name)
        if target is None:
            print(f"{name:20} {count:6}")
        else:
            mark = "ok" if count >= target else "BELOW TARGET"
            short += count < target
            print(f"{name:20} {count:6}  (target {target}: {mark})")
    return 0 if not short else 3


def _describe(file_name: str, row: dict) -> str:
    spec = FILES[file_name]
    key = " × ".join(str(row[c]) for c in spec.key if row[c] not in ("", None, ()))
    return f"{file_name} {key}"


def diff(old: KnowledgeBase, new: KnowledgeBase) -> list[str]:
    """Fact-by-fact differences: '+' added, '-' removed, '~' changed (with columns)."""
    lines: list[str] = []
    for file_name, spec in FILES.items():
        def keyed(kb: KnowledgeBase) -> dict[tuple, dict]:
            return {tuple(str(r[c]) for c in spec.key): dict(r) for r in kb.rows(file_name)}
        before, after = keyed(old), keyed(new)
        for key in sorted(after.keys() - before.keys()):
            lines.append(f"+ {_describe(file_name, after[key])}")
        for key in sorted(before.keys() - after.keys()):
            lines.append(f"- {_describe(file_name, before[key])}")
        for key in sorted(before.keys() & after.keys()):
            changed = [c for c in spec.columns if before[key].get(c) != after[key].get(c)]
            if changed:
                detail = "; ".join(f"{c}: {before[key].get(c)!s} -> {after[key].get(c)!s}"
                                   for c in changed)
                lines.append(f"~ {_describe(file_name, after[key])} ({detail})")
    return lines
