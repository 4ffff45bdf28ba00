"""Turn findings into a verdict, as the review centre's policy says."""
from __future__ import annotations

from reviewer.config import PolicyConfig, PolicyRules
from reviewer.v1 import review_pb2 as pb

_RANK = {"PASS": 0, "PASS_WITH_NOTES": 1, "HOLD": 2, "BLOCK": 3}
_VERDICT = {"PASS": pb.PASS, "PASS_WITH_NOTES": pb.PASS_WITH_NOTES, "HOLD": pb.HOLD,
            "BLOCK": pb.BLOCK}
_LEVEL = {pb.COUNTY_HOSPITAL: "COUNTY_HOSPITAL", pb.TOWNSHIP_CENTRE: "TOWNSHIP_CENTRE",
          pb.VILLAGE_CLINIC: "VILLAGE_CLINIC"}
_SEVERITY = {pb.MINOR: "minor", pb.MODERATE: "moderate", pb.MAJOR: "major",
             pb.CONTRAINDICATED: "contraindicated"}


class VerdictPolicy:
    """Severity -> verdict, overridden by category, then by rule id, per unit level."""

    def __init__(self, config: PolicyConfig) -> None:
        self.config = config

    def _rules_for(self, unit_level: int) -> list[PolicyRules]:
        level = self.config.levels.get(_LEVEL.get(unit_level, ""))
        return [level, self.config.default] if level is not None else [self.config.default]

    def verdict_for(self, finding: pb.Finding, unit_level: int) -> str:
        severity = _SEVERITY.get(finding.severity, "minor")
        category = pb.Category.Name(finding.category).lower()
        for rules in self._rules_for(unit_level):
            if finding.rule_id in rules.rules:
                return rules.rules[finding.rule_id]
        for rules in self._rules_for(unit_level):
            table = rules.categories.get(category)
            if table and severity in table:
                return table[severity]
        for rules in self._rules_for(unit_level):
            if severity in rules.severity:
                return rules.severity[severity]
        return "PASS_WITH_NOTES"

    def decide(self, findings: list[pb.Finding], unit_level: int) -> int:
        """The strictest verdict any finding calls for; PASS when there are none."""
        best = "PASS"
        for finding in findings:
            verdict = self.verdict_for(finding, unit_level)
            if _RANK[verdict] > _RANK[best]:
                best = verdict
        return _VERDICT[best]
