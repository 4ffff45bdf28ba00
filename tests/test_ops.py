"""Alert rules pass the real promtool; the dashboard queries only metrics we export."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from reviewer.metrics import Metrics

ROOT = Path(__file__).resolve().parent.parent
ALERTS = ROOT / "ops" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "ops" / "grafana" / "reviewer-dashboard.json"
SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_info", "_created")
PROMQL_WORDS = {"sum", "rate", "max", "by", "histogram_quantile", "topk", "increase",
                "clamp_min", "offset", "and", "or", "le", "on", "without", "count"}


def exported_names() -> set[str]:
    metrics = Metrics(CollectorRegistry())
    metrics.watch_queue(lambda: {})
    names = set()
    for family in metrics.registry.collect():
        names.add(family.name)
        names.update(family.name + suffix for suffix in SUFFIXES)
    return names


def queried_names(expr: str) -> set[str]:
    expr = re.sub(r'\{[^}]*\}', "", expr)
    expr = re.sub(r'"[^"]*"', "", expr)
    return {token for token in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr)
            if token.startswith("reviewer_") or token == "up"}


def test_promtool_accepts_the_alert_rules() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is not installed (Debian package 'prometheus'; .ci/run installs it)")
    result = subprocess.run([promtool, "check", "rules", str(ALERTS)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_alerts_cover_what_ops_watch() -> None:
    text = ALERTS.read_text(encoding="utf-8")
    for metric in ("reviewer_queue_depth", "reviewer_grpc_server_handling_seconds_bucket",
                   "reviewer_timeouts_total", "reviewer_reviews_total"):
        assert metric in text
    assert "unit_level" in text


def test_every_metric_the_dashboard_and_alerts_query_is_exported() -> None:
    exported = exported_names() | {"up"}
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    expressions = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    expressions += re.findall(r"expr: (.*(?:\n {12}.*)*)", ALERTS.read_text(encoding="utf-8"))
    assert expressions
    for expr in expressions:
        missing = queried_names(expr) - exported
        assert not missing, f"{expr!r} queries {missing}"
