"""Configuration: TOML, then environment, then flags; bad values name their key."""
from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.config import ConfigError, load_config


def test_defaults_need_no_file() -> None:
    config = load_config(env={})
    assert config.listen == "127.0.0.1:50051"
    assert config.sqlite_path.name == "reviews.sqlite3"
    assert config.policy.default.severity["contraindicated"] == "BLOCK"


def test_file_then_environment_then_flags(tmp_path: Path) -> None:
    path = tmp_path / "reviewer.toml"
    path.write_text('listen = "127.0.0.1:6000"\ndata_dir = "/srv/a"\n'
                    'elderly_age_years = 60\n', encoding="utf-8")
    config = load_config(path, env={"REVIEWER_DATA_DIR": "/srv/b"},
                         overrides={"listen": "127.0.0.1:7000"})
    assert config.listen == "127.0.0.1:7000"
    assert config.data_dir == Path("/srv/b")
    assert config.elderly_age_years == 60


@pytest.mark.parametrize("text, key", [
    ('lisen = "x"', "unknown key 'lisen'"),
    ('[policy.default.severity]\nmajor = "STOP"', "policy.default.severity.major"),
    ('[policy.default.rules]\n"ddi.nope.v1" = "HOLD"', "unknown rule id 'ddi.nope.v1'"),
    ('[timeouts.kinds.emergency]\nseconds = 30\naction = "ignore"',
     "timeouts.kinds.emergency.action"),
    ('listen = "nowhere"', "listen"),
    ('[group_commit]\ngather_ms = 500', "group_commit.gather_ms"),
    ('[group_commit]\ncheckpoint_ms = -1', "group_commit.checkpoint_ms"),
    ('[group_commit]\ngather_above = 10', "group_commit: unknown key"),
])
def test_bad_values_name_their_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "reviewer.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=key.replace(".", r"\.").replace("(", r"\(")):
        load_config(path, env={})


def test_group_commit_tuning_reaches_the_config(tmp_path: Path) -> None:
    path = tmp_path / "reviewer.toml"
    path.write_text('[group_commit]\ngather_above_per_second = 800\ngather_ms = 2\n',
                    encoding="utf-8")
    config = load_config(path, env={})
    assert config.group_commit.gather_above_per_second == 800
    assert config.group_commit.gather_ms == 2
    assert config.group_commit.checkpoint_ms == 250.0


def test_policy_overrides_merge_with_the_shipped_defaults(tmp_path: Path) -> None:
    path = tmp_path / "reviewer.toml"
    path.write_text('[policy.default.severity]\nmajor = "BLOCK"\n'
                    '[policy.levels.VILLAGE_CLINIC.severity]\nmoderate = "HOLD"\n',
                    encoding="utf-8")
    config = load_config(path, env={})
    assert config.policy.default.severity["major"] == "BLOCK"
    assert config.policy.default.severity["minor"] == "PASS_WITH_NOTES"
    assert "unrecognised" in config.policy.default.categories
    assert config.policy.levels["VILLAGE_CLINIC"].severity["moderate"] == "HOLD"
