"""Compile a validated knowledge base into the kernel's tables and the normaliser's lexicon.

Class rules are expanded to ingredients here, once, so the kernel never walks class
membership at review time. The result carries a version: the release named in
``data/RELEASE`` plus a hash of every data file's content.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from kernels import model as M
from kernels.rules import SEVERITY_BY_NAME
from knowledge_base.schema import ROUTE_GROUPS, ROUTES
from knowledge_base.validator import KnowledgeBase, Row, load_knowledge_base

DATA_DIR = Path(__file__).with_name("data")

_UNIT = {"g": (M.MASS_MG, 1000.0), "mg": (M.MASS_MG, 1.0), "ug": (M.MASS_MG, 0.001),
         "IU": (M.UNITS_IU, 1.0), "mL": (M.VOLUME_ML, 1.0), "mmol": (M.AMOUNT_MMOL, 1.0)}
_BASIS = {"single": M.SINGLE, "daily": M.DAILY, "single_per_kg": M.SINGLE_PER_KG,
          "daily_per_kg": M.DAILY_PER_KG, "single_per_m2": M.SINGLE_PER_M2,
          "daily_per_m2": M.DAILY_PER_M2}
_CONTROL = {"": M.CONTROL_NONE, "narcotic": M.NARCOTIC, "psychotropic_1": M.PSYCHOTROPIC_1,
            "psychotropic_2": M.PSYCHOTROPIC_2, "toxic": M.TOXIC,
            "radioactive": M.RADIOACTIVE}
_TIER = {"": 0, "unrestricted": 1, "restricted": 2, "special": 3}
_KIND = {"outpatient": M.OUTPATIENT, "emergency": M.EMERGENCY, "inpatient": M.INPATIENT,
         "chronic": M.CHRONIC}
_RELEASE = {"other": M.RELEASE_OTHER, "controlled": M.RELEASE_CONTROLLED,
            "injection": M.RELEASE_INJECTION}
_COND = {"icd": M.COND_ICD, "egfr": M.COND_EGFR, "crcl": M.COND_CRCL,
         "hepatic": M.COND_HEPATIC}


SYSTEMIC_ROUTES_MASK = sum(1 << ROUTES.index(r) for r in ROUTE_GROUPS["systemic"])


def route_mask(route: str) -> int:
    """Bit mask of the routes a route id or group names; empty means the systemic
    routes, since a fact stated without a route is about systemic exposure (eye drops
    of a quinolone are not a quinolone tablet)."""
    if not route:
        return SYSTEMIC_ROUTES_MASK
    names = ROUTE_GROUPS.get(route, (route,))
    return sum(1 << ROUTES.index(name) for name in names)


@dataclass(frozen=True)
class Lexicon:
    """What the normaliser needs to turn HIS text into ingredient and route ids."""

    names: dict[str, tuple[tuple[int, float, str], ...]]
    name_controls: dict[str, int]
    forms: dict[str, tuple[int, int]]
    form_ids: tuple[str, ...]
    route_names: dict[str, int]
    frequencies: dict[str, tuple[float, float, bool]]
    allergens: dict[str, tuple[tuple[int, ...], tuple[int, ...]]]
    allergy_classes_of: tuple[tuple[int, ...], ...]
    icd_prefixes: dict[str, int]
    ingredient_names_zh: tuple[str, ...]
    class_names_zh: tuple[str, ...]


@dataclass(frozen=True)
class CompiledKnowledge:
    """A compiled, versioned knowledge base: kernel tables plus normaliser lexicon."""

    version: str
    content_hash: str
    tables: M.Tables
    lexicon: Lexicon
    knowledge_base: KnowledgeBase


def content_hash(directory: Path) -> str:
    """SHA-256 over every data file's name and bytes, in name order."""
    digest = hashlib.sha256()
    for path in sorted(Path(directory).iterdir()):
        if path.is_file() and (path.suffix == ".csv" or path.name == "RELEASE"):
            digest.update(path.name.encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def load_and_compile(directory: Path | str = DATA_DIR,
                     settings: M.Settings | None = None) -> CompiledKnowledge:
    """Validate and compile the knowledge base in ``directory``."""
    directory = Path(directory)
    kb = load_knowledge_base(directory)
    release_file = directory / "RELEASE"
    release = release_file.read_text().strip() if release_file.exists() else "0"
    digest = content_hash(directory)
    return compile_knowledge_base(kb, f"{release}+{digest[:12]}", digest,
                                  settings or M.Settings())


class _Builder:
    """Holds the id maps and the fact list while compiling."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        ingredients = kb.rows("ingredients.csv")
        self.ingredient_ids = tuple(row["id"] for row in ingredients)
        self.ingredient_index = {ing: i for i, ing in enumerate(self.ingredient_ids)}
        classes = kb.rows("classes.csv")
        self.class_ids = tuple(row["id"] for row in classes)
        self.class_index = {cls: i for i, cls in enumerate(self.class_ids)}
        self.members: dict[str, list[int]] = defaultdict(list)
        for i, row in enumerate(ingredients):
            for class_id in row["classes"]:
                self.members[class_id].append(i)
        self.sources = {row["id"]: row for row in kb.rows("sources.csv")}
        self.facts: list[M.Fact] = []
        self.condition_sets: list[tuple[int, ...]] = []
        self._condition_set_index: dict[tuple[int, ...], int] = {}
        self.icd_prefixes: dict[str, int] = {}

    def expand(self, subject: str) -> list[int]:
        if subject.startswith("class:"):
            return self.members.get(subject[6:], [])
        index = self.ingredient_index.get(subject)
        return [] if index is None else [index]

    def source_text(self, refs: tuple[tuple[str, str], ...]) -> str:
        parts = []
        for source_id, locator in refs:
            title = self.sources[source_id]["title"].split("（")[0]
            parts.append(f"{title}：{locator}" if locator else title)
        return "；".join(parts)

    def fact(self, row: Row, message: str) -> int:
        self.facts.append(M.Fact(message, self.source_text(row["source"])))
        return len(self.facts) - 1

    def condition_set(self, ids: tuple[int, ...]) -> int:
        ref = self._condition_set_index.get(ids)
        if ref is None:
            ref = len(self.condition_sets)
            self.condition_sets.append(ids)
            self._condition_set_index[ids] = ref
        return ref

    def icd_set(self, prefixes: tuple[str, ...]) -> int:
        ids = []
        for prefix in prefixes:
            if prefix not in self.icd_prefixes:
                self.icd_prefixes[prefix] = len(self.icd_prefixes)
            ids.append(self.icd_prefixes[prefix])
        return self.condition_set(tuple(sorted(set(ids))))

    def condition(self, parsed: tuple[str, object] | None) -> tuple[int, int, float]:
        """(kind, ref, value) for a parsed condition; (COND_NONE, -1, 0) when none."""
        if parsed is None:
            return (M.COND_NONE, -1, 0.0)
        kind, value = parsed
        if kind == "icd":
            return (M.COND_ICD, self.icd_set(value), 0.0)  # type: ignore[arg-type]
        if kind == "not_icd":
            return (M.COND_NOT_ICD, self.icd_set(value), 0.0)  # type: ignore[arg-type]
        return (_COND[kind], -1, float(value))  # type: ignore[arg-type]

    def per_ingredient(self) -> list[list[tuple]]:
        return [[] for _ in self.ingredient_ids]


def _severity(row: Row) -> int:
    return SEVERITY_BY_NAME[row["severity"]]


def compile_knowledge_base(kb: KnowledgeBase, version: str, digest: str,
                           settings: M.Settings) -> CompiledKnowledge:
    """Turn validated facts into kernel tables and a normaliser lexicon."""
    b = _Builder(kb)
    ingredient_rows = kb.rows("ingredients.csv")
    classes = tuple(tuple(b.class_index[c] for c in row["classes"]) for row in ingredient_rows)
    duplicate_class_ids = {b.class_index[row["id"]] for row in kb.rows("classes.csv")
                           if row["duplicate"]}
    duplicate_classes = tuple(tuple(c for c in row if c in duplicate_class_ids)
                              for row in classes)

    interactions = _interactions(b)
    compatibility: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    for row in kb.rows("compatibility.csv"):
        fact = b.fact(row, row["message"])
        specificity = (not row["a"].startswith("class:")) + (not row["b"].startswith("class:"))
        for x in b.expand(row["a"]):
            for y in b.expand(row["b"]):
                if x != y:
                    compatibility[(min(x, y), max(x, y))].append(
                        (specificity, _severity(row), fact))

    pregnancy, lactation, pediatric = b.per_ingredient(), b.per_ingredient(), b.per_ingredient()
    elderly, diseases, doses = b.per_ingredient(), b.per_ingredient(), b.per_ingredient()
    frequency_rules, route_rules = b.per_ingredient(), b.per_ingredient()
    skin_tests, indications, solvents = b.per_ingredient(), b.per_ingredient(), b.per_ingredient()
    for row in kb.rows("pregnancy.csv"):
        fact = b.fact(row, row["message"])
        for i in b.expand(row["subject"]):
            pregnancy[i].append((fact, row["week_from"], row["week_to"], _severity(row),
                                 route_mask(row["route"])))
    for row in kb.rows("lactation.csv"):
        fact = b.fact(row, row["message"])
        for i in b.expand(row["subject"]):
            lactation[i].append((fact, _severity(row), route_mask(row["route"])))
    for row in kb.rows("pediatric.csv"):
        fact = b.fact(row, row["message"])
        for i in b.expand(row["subject"]):
            pediatric[i].append((fact, row["below_age"], route_mask(row["route"]),
                                 _severity(row)))
    for row in kb.rows("elderly.csv"):
        fact = b.fact(row, row["message"])
        kind, ref, value = b.condition(row["condition"])
        for i in b.expand(row["subject"]):
            elderly[i].append((fact, kind, ref, value, _severity(row), route_mask(row["route"])))
    for row in kb.rows("diseases.csv"):
        fact = b.fact(row, row["message"])
        kind, ref, value = b.condition(row["condition"])
        for i in b.expand(row["subject"]):
            diseases[i].append((fact, kind, ref, value, _severity(row), route_mask(row["route"])))
    for row in kb.rows("doses.csv"):
        unit_kind, factor = _UNIT[row["unit"]]
        low = row["min"] * factor if row["min"] is not None else -1.0
        high = row["max"] * factor if row["max"] is not None else -1.0
        renal_kind, renal_below = M.COND_NONE, 0.0
        if row["condition"] is not None:
            renal_kind, renal_below = _COND[row["condition"][0]], float(row["condition"][1])
        fact = b.fact(row, _dose_message(row))
        population = M.CHILD if row["population"] == "child" else M.ADULT
        for i in b.expand(row["subject"]):
            doses[i].append((fact, route_mask(row["route"]), population, _BASIS[row["basis"]],
                             low, high, unit_kind, renal_kind, renal_below))
    for row in kb.rows("frequency_rules.csv"):
        fact = b.fact(row, row["message"])
        except_ref = b.icd_set(row["except_icd"]) if row["except_icd"] else -1
        for i in b.expand(row["subject"]):
            frequency_rules[i].append((fact, route_mask(row["route"]), row["max_per_week"],
                                       except_ref, _severity(row)))
    for row in kb.rows("route_rules.csv"):
        fact = b.fact(row, row["message"])
        for i in b.expand(row["subject"]):
            route_rules[i].append((fact, 1 if row["rule"] == "only" else 0,
                                   route_mask(row["route"]), _severity(row)))
    for row in kb.rows("skin_tests.csv"):
        fact = b.fact(row, row["message"])
        for i in b.expand(row["subject"]):
            skin_tests[i].append((fact, route_mask(row["route"])))
    for row in kb.rows("indications.csv"):
        fact = b.fact(row, "诊断中未见与该药适应证相符的疾病")
        ref = b.icd_set(row["icd_prefixes"])
        for i in b.expand(row["subject"]):
            indications[i].append((fact, ref, _severity(row)))
    carriers = set(b.members.get("infusion_carrier", []))
    for row in kb.rows("solvents.csv"):
        unit_kind, factor = _UNIT[row["unit"]]
        allowed = tuple(sorted(b.ingredient_index[s] for s in row["allowed"]))
        carriers.update(allowed)
        names = "、".join(ingredient_rows[s]["name_zh"] for s in allowed)
        fact = b.fact(row, f"溶媒应选用：{names}")
        limit = row["max_concentration"] * factor if row["max_concentration"] is not None else -1.0
        for i in b.expand(row["subject"]):
            solvents[i].append((fact, b.condition_set(allowed), limit, unit_kind))

    allergy_cross: dict[tuple[int, int], tuple[int, int]] = {}
    for row in kb.rows("cross_sensitivity.csv"):
        fact = b.fact(row, row["message"])
        allergy_cross[(b.class_index[row["allergy_class"]], b.class_index[row["drug_class"]])] = \
            (fact, _severity(row))

    form_ids: list[str] = []
    form_masks: dict[str, int] = defaultdict(int)
    forms: dict[str, tuple[int, int]] = {}
    for row in kb.rows("forms.csv"):
        if row["form"] not in form_masks:
            form_ids.append(row["form"])
        form_masks[row["form"]] |= sum(1 << ROUTES.index(r) for r in row["routes"])
    parenteral = route_mask("parenteral") | route_mask("intradermal") | \
        route_mask("intrathecal") | route_mask("other")
    for row in kb.rows("forms.csv"):
        if row["release"] == "controlled":
            release = M.RELEASE_CONTROLLED
        elif form_masks[row["form"]] & ~parenteral == 0:
            release = M.RELEASE_INJECTION
        else:
            release = M.RELEASE_OTHER
        forms[row["suffix"]] = (form_ids.index(row["form"]), release)
    form_routes = tuple(form_masks[f] for f in form_ids)

    kind_limits, controlled_limits = _limits(b)
    tables = M.Tables(
        version=version, ingredient_ids=b.ingredient_ids, class_ids=b.class_ids,
        classes=classes, duplicate_classes=duplicate_classes,
        antibiotic_tier=tuple(_TIER[row["antibiotic_tier"]] for row in ingredient_rows),
        control=tuple(_CONTROL[row["control"]] for row in ingredient_rows),
        interactions=interactions,
        compatibility={k: tuple((f, s) for _, s, f in sorted(v, key=lambda e: (-e[0], -e[1])))
                       for k, v in compatibility.items()},
        pregnancy=_freeze(pregnancy), lactation=_freeze(lactation),
        pediatric=_freeze(pediatric), elderly=_freeze(elderly), diseases=_freeze(diseases),
        doses=_freeze(doses), frequency_rules=_freeze(frequency_rules),
        route_rules=_freeze(route_rules), skin_tests=_freeze(skin_tests),
        indications=_freeze(indications), solvents=_freeze(solvents),
        carriers=frozenset(carriers), allergy_cross=allergy_cross, form_routes=form_routes,
        kind_limits=kind_limits, controlled_limits=controlled_limits,
        condition_sets=tuple(b.condition_sets), facts=tuple(b.facts), settings=settings,
    )
    lexicon = _lexicon(b, forms, tuple(form_ids))
    return CompiledKnowledge(version, digest, tables, lexicon, kb)


def _freeze(per_ingredient: list[list[tuple]]) -> tuple[tuple[tuple, ...], ...]:
    return tuple(tuple(rows) for rows in per_ingredient)


def _interactions(b: _Builder) -> dict[tuple[int, int], tuple[tuple[int, int, int, int], ...]]:
    """Expand class rules to ingredient pairs; the most specific, most severe first."""
    pairs: dict[tuple[int, int], list[tuple[int, int, int, int, int]]] = defaultdict(list)
    for row in b.kb.rows("interactions.csv"):
        fact = b.fact(row, f"{row['mechanism']}。{row['management']}")
        specificity = (not row["a"].startswith("class:")) + (not row["b"].startswith("class:"))
        mask_a, mask_b = route_mask(row["route_a"]), route_mask(row["route_b"])
        severity = _severity(row)
        for x in b.expand(row["a"]):
            for y in b.expand(row["b"]):
                if x == y:
                    continue
                low_mask, high_mask = (mask_a, mask_b) if x < y else (mask_b, mask_a)
                pairs[(min(x, y), max(x, y))].append(
                    (specificity, severity, fact, low_mask, high_mask))
    compiled = {}
    for key, entries in pairs.items():
        entries.sort(key=lambda e: (-e[0], -(e[3] != SYSTEMIC_ROUTES_MASK
                                              or e[4] != SYSTEMIC_ROUTES_MASK), -e[1]))
        kept: list[tuple[int, int, int, int]] = []
        masks_seen: set[tuple[int, int]] = set()
        for _, severity, fact, low_mask, high_mask in entries:
            if (low_mask, high_mask) in masks_seen:
                continue
            masks_seen.add((low_mask, high_mask))
            kept.append((fact, severity, low_mask, high_mask))
        compiled[key] = tuple(kept)
    return compiled


def _limits(b: _Builder) -> tuple[tuple[tuple[float, int], ...],
                                  dict[tuple[int, int, int, int], tuple[float, float, int]]]:
    kind_limits: list[tuple[float, int]] = [(-1.0, -1)] * 5
    controlled: dict[tuple[int, int, int, int], tuple[float, float, int]] = {}
    rows = b.kb.rows("prescription_limits.csv")
    # 'any' rows first so that a more specific row wins; naming the prescription kind
    # outranks naming the form or cancer pain (住院 1-day rule over the 3-day one).
    rows = sorted(rows, key=lambda r: tuple(r[c] != "any" for c in
                                            ("kind", "form_release", "cancer_pain")))
    for row in rows:
        kinds = list(_KIND.values()) if row["kind"] == "any" else [_KIND[row["kind"]]]
        days = row["max_days"] if row["max_days"] is not None else -1.0
        doses = row["max_doses"] if row["max_doses"] is not None else -1.0
        fact = b.fact(row, "超出处方限量")
        if row["scope"] == "all":
            for kind in kinds:
                kind_limits[kind] = (days, fact)
            continue
        releases = list(_RELEASE.values()) if row["form_release"] == "any" else \
            [_RELEASE[row["form_release"]]]
        cancer = [0, 1] if row["cancer_pain"] == "any" else [1 if row["cancer_pain"] == "yes" else 0]
        for kind in kinds:
            for release in releases:
                for pain in cancer:
                    controlled[(_CONTROL[row["scope"]], release, pain, kind)] = (days, doses, fact)
    return tuple(kind_limits), controlled


def _dose_message(row: Row) -> str:
    basis = {"single": "单次", "daily": "每日", "single_per_kg": "单次每千克",
             "daily_per_kg": "每日每千克", "single_per_m2": "单次每平方米",
             "daily_per_m2": "每日每平方米"}[row["basis"]]
    who = "儿童" if row["population"] == "child" else "成人"
    parts = []
    if row["max"] is not None:
        parts.append(f"最大{row['max']:g}{row['unit']}")
    if row["min"] is not None:
        parts.append(f"最小{row['min']:g}{row['unit']}")
    cond = ""
    if row["condition"] is not None:
        measure = "eGFR" if row["condition"][0] == "egfr" else "肌酐清除率"
        cond = f"（{measure}<{row['condition'][1]:g}时）"
    return f"{who}{basis}剂量{'、'.join(parts)}{cond}"


def _lexicon(b: _Builder, forms: dict[str, tuple[int, int]],
             form_ids: tuple[str, ...]) -> Lexicon:
    kb = b.kb
    names: dict[str, tuple[tuple[int, float, str], ...]] = {}
    # A combination product is controlled only where a catalogue lists it (names.csv
    # `control`); opium powder in 复方甘草片 or caffeine in a cold tablet does not make the
    # product a narcotic or a psychotropic.
    name_controls = {}
    for row in kb.rows("names.csv"):
        if row["control"]:
            name_controls[row["name"]] = (M.CONTROL_NONE if row["control"] == "none"
                                          else _CONTROL[row["control"]])
        elif len(row["ingredients"]) > 1:
            name_controls[row["name"]] = M.CONTROL_NONE
    for row in kb.rows("names.csv"):
        names[row["name"]] = tuple(
            (b.ingredient_index[ing], amount if amount is not None else -1.0, unit)
            for ing, amount, unit in row["ingredients"])
    for i, row in enumerate(kb.rows("ingredients.csv")):
        names.setdefault(row["name_zh"], ((i, -1.0, ""),))
        names.setdefault(row["id"].replace("_", " "), ((i, -1.0, ""),))
    allergens: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for row in kb.rows("allergens.csv"):
        target = row["target"]
        if target.startswith("class:"):
            allergens[row["term"]][1].append(b.class_index[target[6:]])
        else:
            allergens[row["term"]][0].append(b.ingredient_index[target])
    allergy_class_ids = {b.class_index[r["allergy_class"]]
                         for r in kb.rows("cross_sensitivity.csv")}
    allergy_classes_of = tuple(
        tuple(b.class_index[c] for c in row["classes"] if b.class_index[c] in allergy_class_ids)
        for row in kb.rows("ingredients.csv"))
    return Lexicon(
        names=names, name_controls=name_controls, forms=forms, form_ids=form_ids,
        route_names={row["text"]: ROUTES.index(row["route"]) for row in kb.rows("route_names.csv")},
        frequencies={row["code"]: (row["per_day"], row["per_week"], row["prn"])
                     for row in kb.rows("frequencies.csv")},
        allergens={term: (tuple(ings), tuple(cls)) for term, (ings, cls) in allergens.items()},
        allergy_classes_of=allergy_classes_of,
        icd_prefixes=dict(b.icd_prefixes),
        ingredient_names_zh=tuple(row["name_zh"] for row in kb.rows("ingredients.csv")),
        class_names_zh=tuple(row["name_zh"] for row in kb.rows("classes.csv")),
    )
