"""The service's configuration: one typed object, loaded from TOML and the environment.

Precedence: built-in defaults < the TOML file < ``REVIEWER_*`` environment variables <
command-line flags. The object is passed in; nothing deeper reads files or the
environment. Unknown keys and bad values are errors naming the key.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kernels.model import Settings
from knowledge_base.compiler import DATA_DIR
from reviewer.store.writer import GroupCommit

VERDICTS = ("PASS", "PASS_WITH_NOTES", "HOLD", "BLOCK")
SEVERITIES = ("minor", "moderate", "major", "contraindicated")
UNIT_LEVELS = ("COUNTY_HOSPITAL", "TOWNSHIP_CENTRE", "VILLAGE_CLINIC")
CATEGORIES = ("interaction", "pregnancy", "lactation", "pediatric", "elderly", "allergy",
              "disease", "duplicate", "dose", "route", "quantity", "prescriber",
              "compatibility", "skin_test", "indication", "format", "unrecognised")
TIMEOUT_ACTIONS = ("release", "block", "escalate")
KINDS = ("outpatient", "emergency", "inpatient", "chronic")


class ConfigError(ValueError):
    """A configuration value is wrong; the message names the key."""


@dataclass(frozen=True)
class PolicyRules:
    """Severity -> verdict, with overrides by category and by rule id."""

    severity: dict[str, str] = field(default_factory=lambda: {
        "contraindicated": "BLOCK", "major": "HOLD", "moderate": "PASS_WITH_NOTES",
        "minor": "PASS_WITH_NOTES"})
    categories: dict[str, dict[str, str]] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PolicyConfig:
    """The verdict policy; ``levels`` overrides it per member-unit level."""

    default: PolicyRules = field(default_factory=lambda: PolicyRules(
        categories={
            # A drug the knowledge base cannot read is held for a pharmacist.
            "unrecognised": {"minor": "PASS_WITH_NOTES", "moderate": "HOLD",
                             "major": "HOLD", "contraindicated": "HOLD"},
            # Indication is the noisiest family: notes unless the committee says more.
            "indication": {"minor": "PASS_WITH_NOTES", "moderate": "PASS_WITH_NOTES",
                           "major": "HOLD", "contraindicated": "HOLD"},
        },
        rules={
            "prescriber.narcotic_right.v1": "BLOCK",
            "skin_test.positive.v1": "BLOCK",
            "format.too_many_items.v1": "PASS_WITH_NOTES",
        }))
    levels: dict[str, PolicyRules] = field(default_factory=dict)


@dataclass(frozen=True)
class TimeoutRule:
    seconds: float
    action: str


@dataclass(frozen=True)
class TimeoutConfig:
    """How long a held prescription waits for a pharmacist, per kind, and what then."""

    kinds: dict[str, TimeoutRule] = field(default_factory=lambda: {
        "outpatient": TimeoutRule(180.0, "release"),
        "emergency": TimeoutRule(30.0, "release"),
        "chronic": TimeoutRule(600.0, "release"),
        "inpatient": TimeoutRule(900.0, "escalate"),
    })
    levels: dict[str, dict[str, TimeoutRule]] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    """Everything the service needs to start."""

    data_dir: Path = Path("./reviewer-data")
    listen: str = "127.0.0.1:50051"
    metrics_listen: str = ""
    grace_seconds: float = 4.0
    database_url: str = ""                     # empty: SQLite under data_dir
    knowledge_dir: Path = DATA_DIR
    code_maps_dir: Path | None = None
    elderly_age_years: int = 65
    max_outpatient_items: int = 5
    quantity_over_ratio: float = 1.5
    quantity_under_ratio: float = 0.5
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    timeouts: TimeoutConfig = field(default_factory=TimeoutConfig)
    reason_templates: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_REASONS))
    group_commit: GroupCommit = field(default_factory=GroupCommit)

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "reviews.sqlite3"

    def kernel_settings(self) -> Settings:
        return Settings(elderly_age_days=int(self.elderly_age_years * 365.25),
                        max_outpatient_items=self.max_outpatient_items,
                        quantity_over_ratio=self.quantity_over_ratio,
                        quantity_under_ratio=self.quantity_under_ratio)


DEFAULT_REASONS = {
    "R01": "适应证不适宜",
    "R02": "遴选药品不适宜",
    "R03": "药品剂型或给药途径不适宜",
    "R04": "用法、用量不适宜",
    "R05": "联合用药不适宜（相互作用）",
    "R06": "重复给药",
    "R07": "有配伍禁忌或不良相互作用",
    "R08": "特殊人群用药不适宜（孕妇、哺乳期、儿童、老年人）",
    "R09": "过敏史或禁忌证",
    "R10": "处方超量或用药天数超限",
    "R11": "处方权限不符",
    "R12": "处方书写不规范",
}


ENV_KEYS = {
    "REVIEWER_DATA_DIR": "data_dir", "REVIEWER_LISTEN": "listen",
    "REVIEWER_METRICS_LISTEN": "metrics_listen", "REVIEWER_DATABASE_URL": "database_url",
    "REVIEWER_KB_DIR": "knowledge_dir", "REVIEWER_CODE_MAPS_DIR": "code_maps_dir",
}


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None,
                overrides: Mapping[str, Any] | None = None) -> Config:
    """Defaults, then the TOML file, then the environment, then ``overrides``."""
    values: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from None
        values.update(_from_toml(raw, str(path)))
    environment = os.environ if env is None else env
    for key, name in ENV_KEYS.items():
        if environment.get(key):
            values[name] = environment[key]
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
    for name in ("data_dir", "knowledge_dir", "code_maps_dir"):
        if name in values and values[name] is not None:
            values[name] = Path(values[name])
    config = Config(**values)
    _check(config)
    return config


def _from_toml(raw: dict[str, Any], where: str) -> dict[str, Any]:
    known = {f.name for f in dataclasses.fields(Config)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r}")
        if key == "policy":
            values[key] = _policy(value, f"{where}: policy")
        elif key == "timeouts":
            values[key] = _timeouts(value, f"{where}: timeouts")
        elif key == "reason_templates":
            values[key] = {str(k): str(v) for k, v in value.items()}
        elif key == "group_commit":
            values[key] = _group_commit(value, f"{where}: group_commit")
        else:
            values[key] = value
    return values


def _rules(raw: dict[str, Any], where: str) -> PolicyRules:
    unknown = set(raw) - {"severity", "categories", "rules"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    base = PolicyRules()
    severity = {**base.severity, **raw.get("severity", {})}
    return PolicyRules(severity=severity, categories=dict(raw.get("categories", {})),
                       rules=dict(raw.get("rules", {})))


def _policy(raw: dict[str, Any], where: str) -> PolicyConfig:
    unknown = set(raw) - {"default", "levels"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    default = PolicyConfig().default
    if "default" in raw:
        given = _rules(raw["default"], f"{where}.default")
        default = PolicyRules(
            severity=given.severity,
            categories={**default.categories, **given.categories},
            rules={**default.rules, **given.rules})
    levels = {level: _rules(rules, f"{where}.levels.{level}")
              for level, rules in raw.get("levels", {}).items()}
    return PolicyConfig(default=default, levels=levels)


def _timeouts(raw: dict[str, Any], where: str) -> TimeoutConfig:
    def rule(value: Any, at: str) -> TimeoutRule:
        if not isinstance(value, dict) or set(value) - {"seconds", "action"}:
            raise ConfigError(f"{at}: expected {{ seconds = N, action = \"release\" }}")
        return TimeoutRule(float(value.get("seconds", 180)), str(value.get("action", "release")))
    kinds = dict(TimeoutConfig().kinds)
    for kind, value in raw.get("kinds", {}).items():
        kinds[kind] = rule(value, f"{where}.kinds.{kind}")
    levels = {level: {kind: rule(v, f"{where}.levels.{level}.{kind}") for kind, v in table.items()}
              for level, table in raw.get("levels", {}).items()}
    return TimeoutConfig(kinds=kinds, levels=levels)


def _group_commit(raw: dict[str, Any], where: str) -> GroupCommit:
    known = {f.name for f in dataclasses.fields(GroupCommit)}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    try:
        return GroupCommit(**raw)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _check(config: Config) -> None:
    """Reject values the service could not act on, naming the key."""
    def verdict(value: str, key: str) -> None:
        if value not in VERDICTS:
            raise ConfigError(f"{key}: {value!r} is not one of {', '.join(VERDICTS)}")

    def rules(rules_: PolicyRules, key: str) -> None:
        for severity, value in rules_.severity.items():
            if severity not in SEVERITIES:
                raise ConfigError(f"{key}.severity: unknown severity {severity!r}")
            verdict(value, f"{key}.severity.{severity}")
        for category, table in rules_.categories.items():
            if category not in CATEGORIES:
                raise ConfigError(f"{key}.categories: unknown category {category!r}")
            for severity, value in table.items():
                if severity not in SEVERITIES:
                    raise ConfigError(f"{key}.categories.{category}: unknown severity {severity!r}")
                verdict(value, f"{key}.categories.{category}.{severity}")
        from kernels.rules import CODE_BY_ID
        for rule_id, value in rules_.rules.items():
            if rule_id not in CODE_BY_ID:
                raise ConfigError(f"{key}.rules: unknown rule id {rule_id!r}")
            verdict(value, f"{key}.rules.{rule_id}")

    rules(config.policy.default, "policy.default")
    for level, level_rules in config.policy.levels.items():
        if level not in UNIT_LEVELS:
            raise ConfigError(f"policy.levels: unknown unit level {level!r}")
        rules(level_rules, f"policy.levels.{level}")
    for table, key in [(config.timeouts.kinds, "timeouts.kinds")] + [
            (t, f"timeouts.levels.{lvl}") for lvl, t in config.timeouts.levels.items()]:
        for kind, rule in table.items():
            if kind not in KINDS:
                raise ConfigError(f"{key}: unknown prescription kind {kind!r}")
            if rule.action not in TIMEOUT_ACTIONS:
                raise ConfigError(f"{key}.{kind}.action: {rule.action!r} is not one of "
                                  f"{', '.join(TIMEOUT_ACTIONS)}")
            if not 1 <= rule.seconds <= 86400:
                raise ConfigError(f"{key}.{kind}.seconds: must be between 1 and 86400")
    for level in config.timeouts.levels:
        if level not in UNIT_LEVELS:
            raise ConfigError(f"timeouts.levels: unknown unit level {level!r}")
    host, _, port = config.listen.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"listen: {config.listen!r} is not HOST:PORT")
    if not 40 <= config.elderly_age_years <= 100:
        raise ConfigError("elderly_age_years: must be between 40 and 100")
