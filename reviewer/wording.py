"""Put the kernel's coded findings into words a doctor reads, with their sources."""
from __future__ import annotations

from kernels import rules as R
from kernels.model import RawFinding, Tables
from knowledge_base.compiler import Lexicon
from reviewer.v1 import review_pb2 as pb

_CATEGORY = {name.lower(): value for name, value in pb.Category.items()}

#: Sources of the rules whose facts are law or policy rather than knowledge-base rows.
FIXED_SOURCES = {
    R.DUPLICATE_INGREDIENT: "医疗机构处方审核规范：第十五条 重复给药",
    R.DUPLICATE_CLASS: "医疗机构处方审核规范：第十五条 重复给药",
    R.ALLERGY_INGREDIENT: "医疗机构处方审核规范：第十五条 过敏史；药品说明书：【禁忌】",
    R.ALLERGY_CLASS: "医疗机构处方审核规范：第十五条 过敏史；药品说明书：【禁忌】",
    R.ROUTE_FORM: "医疗机构处方审核规范：第十五条 剂型与给药途径",
    R.QUANTITY_INCONSISTENT: "处方管理办法：第六条 药品用法用量",
    R.PRESCRIBER_TIER: "抗菌药物临床应用管理办法：第二十四条 分级处方权",
    R.PRESCRIBER_SPECIAL_OUTPATIENT: "抗菌药物临床应用管理办法：第二十八条 特殊使用级不得在门诊使用",
    R.PRESCRIBER_NARCOTIC: "处方管理办法：第十一条 麻醉药品和第一类精神药品处方权",
    R.FORMAT_TOO_MANY: "处方管理办法：第六条 每张处方不得超过5种药品",
    R.FORMAT_NO_DIAGNOSIS: "医疗机构处方审核规范：第十四条 临床诊断",
    R.FORMAT_INFANT_AGE: "处方管理办法：第六条 新生儿、婴幼儿写日、月龄",
    R.FORMAT_VAGUE: "处方管理办法：第六条 不得使用“遵医嘱”“自用”等含糊不清字句",
    R.UNRECOGNISED_DRUG: "审方知识库：未收录",
    R.UNRECOGNISED_FREQUENCY: "审方知识库：未收录的频次",
    R.UNRECOGNISED_ROUTE: "审方知识库：未收录的给药途径",
    R.UNRECOGNISED_UNIT: "审方知识库：未收录的剂量单位",
}
_TIER = {1: "非限制使用级", 2: "限制使用级", 3: "特殊使用级"}


class Wording:
    """Builds ``pb.Finding`` messages from raw findings for one knowledge-base version."""

    def __init__(self, tables: Tables, lexicon: Lexicon) -> None:
        self.tables = tables
        self.lexicon = lexicon

    def ingredient(self, index: int) -> str:
        return self.lexicon.ingredient_names_zh[index] if index >= 0 else ""

    def finding(self, raw: RawFinding, item_names: list[str]) -> pb.Finding:
        rule = R.RULES[raw.rule]
        items = [i for i in (raw.item_a, raw.item_b) if i >= 0]
        ingredients = [self.tables.ingredient_ids[i] for i in (raw.ingredient_a, raw.ingredient_b)
                       if i >= 0]
        fact = self.tables.facts[raw.fact] if raw.fact >= 0 and raw.rule not in (
            R.DUPLICATE_CLASS, R.ALLERGY_CLASS) else None
        message = self._message(raw, item_names, fact.message if fact else "")
        source = fact.source if fact else FIXED_SOURCES.get(raw.rule, "")
        return pb.Finding(rule_id=rule.rule_id, category=_CATEGORY[rule.category],
                          severity=raw.severity, item_indexes=items, ingredients=ingredients,
                          message=message, source=source)

    def _message(self, raw: RawFinding, item_names: list[str], text: str) -> str:
        a, b = self.ingredient(raw.ingredient_a), self.ingredient(raw.ingredient_b)
        item_a = item_names[raw.item_a] if 0 <= raw.item_a < len(item_names) else ""
        item_b = item_names[raw.item_b] if 0 <= raw.item_b < len(item_names) else ""
        rule = raw.rule
        category = R.RULES[rule].category
        if category == "interaction":
            return f"{a}与{b}：{text}"
        if rule == R.DUPLICATE_INGREDIENT:
            return f"{item_a}与{item_b}均含{a}，重复用药"
        if rule == R.DUPLICATE_CLASS:
            return f"{item_a}与{item_b}同属{self.lexicon.class_names_zh[raw.fact]}，重复用药"
        if rule == R.ALLERGY_INGREDIENT:
            return f"患者对{a}过敏，{item_a}禁用"
        if rule == R.ALLERGY_CLASS:
            return f"患者对{self.lexicon.class_names_zh[raw.fact]}过敏，{item_a}（{a}）属该类，禁用"
        if rule == R.ROUTE_FORM:
            return f"{item_a}的剂型与给药途径不符"
        if rule == R.QUANTITY_INCONSISTENT:
            return f"{item_a}总量与单次剂量×频次×天数不符"
        if rule == R.QUANTITY_DAYS:
            return f"{item_a}用药天数超出处方限量"
        if rule == R.QUANTITY_CONTROLLED:
            return f"{item_a}（{a}）超出麻醉/精神/毒性药品每张处方限量"
        if rule == R.PRESCRIBER_TIER:
            tier = _TIER.get(self.tables.antibiotic_tier[raw.ingredient_a], "")
            return f"{item_a}为{tier}抗菌药物，医生无相应处方权"
        if rule == R.PRESCRIBER_SPECIAL_OUTPATIENT:
            return f"{item_a}为特殊使用级抗菌药物，不得在门急诊处方中使用"
        if rule == R.PRESCRIBER_NARCOTIC:
            return f"{item_a}为麻醉药品或第一类精神药品，医生无相应处方权"
        if rule == R.SKIN_TEST_MISSING:
            return f"{item_a}用药前须皮试，未记录皮试结果"
        if rule == R.SKIN_TEST_POSITIVE:
            return f"{item_a}皮试阳性，禁用"
        if rule == R.COMPAT_INCOMPATIBLE:
            return f"{item_a}与{item_b}同组输注存在配伍禁忌：{text}"
        if rule == R.COMPAT_SOLVENT:
            return f"{item_a}溶媒选择不适宜：{text}"
        if rule == R.COMPAT_CONCENTRATION:
            return f"{item_a}在{item_b}中浓度过高"
        if rule == R.INDICATION:
            return f"{item_a}：{text}"
        if rule == R.FORMAT_TOO_MANY:
            return "门急诊每张处方药品不得超过5种"
        if rule == R.FORMAT_NO_DIAGNOSIS:
            return "处方缺少临床诊断"
        if rule == R.FORMAT_INFANT_AGE:
            return "婴幼儿年龄应写日龄或月龄"
        if rule == R.FORMAT_VAGUE:
            return f"{item_a}用法用量不明确（如“遵医嘱”）"
        if rule == R.UNRECOGNISED_DRUG:
            return f"药品“{item_a}”无法识别，转药师审核"
        if rule == R.UNRECOGNISED_FREQUENCY:
            return f"{item_a}的用药频次无法识别"
        if rule == R.UNRECOGNISED_ROUTE:
            return f"{item_a}的给药途径无法识别"
        if rule == R.UNRECOGNISED_UNIT:
            return f"{item_a}的剂量单位无法识别"
        if category == "dose":
            return f"{item_a}（{a}）剂量不适宜：{text}"
        subject = f"{item_a}（{a}）" if item_a else a
        return f"{subject}：{text}"
