"""The ``reviewer`` command: serve, submit, check offline, and manage the knowledge base."""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import orjson
from google.protobuf import json_format

from reviewer.v1 import review_pb2 as pb


def _config(args: argparse.Namespace) -> Any:
    from reviewer.config import ConfigError, load_config
    try:
        return load_config(args.config, overrides={
            "listen": getattr(args, "listen", None),
            "data_dir": getattr(args, "data_dir", None),
            "metrics_listen": getattr(args, "metrics_listen", None)})
    except ConfigError as exc:
        raise SystemExit(f"reviewer: configuration error: {exc}") from None


def cmd_serve(args: argparse.Namespace) -> int:
    from reviewer.logs import configure_logging
    from reviewer.event_loop import new_event_loop
    from reviewer.server import serve
    configure_logging(args.log_level)
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        runner.run(serve(_config(args)))
    return 0


def _read_request(path: Path) -> pb.ReviewRequest:
    try:
        return json_format.Parse(path.read_text(encoding="utf-8"), pb.ReviewRequest())
    except (OSError, json_format.ParseError) as exc:
        raise SystemExit(f"reviewer: {path}: {exc}") from None


def cmd_submit(args: argparse.Namespace) -> int:
    import grpc
    from reviewer.v1 import review_pb2_grpc
    request = _read_request(Path(args.file))
    with grpc.insecure_channel(args.target) as channel:
        stub = review_pb2_grpc.ReviewServiceStub(channel)
        try:
            response = stub.Review(request, timeout=args.timeout)
        except grpc.RpcError as exc:
            print(f"reviewer: {exc.code().name}: {exc.details()}", file=sys.stderr)
            return 2
        print(json_format.MessageToJson(response, ensure_ascii=False, indent=2))
        if args.wait and response.verdict == pb.HOLD:
            for decision in stub.WatchDecision(pb.WatchDecisionRequest(review_id=response.review_id)):
                print(json_format.MessageToJson(decision, ensure_ascii=False, indent=2))
    return 0


def finding_json(finding: pb.Finding) -> dict[str, Any]:
    """A finding in the offline checker's output shape (lower-case names)."""
    return {
        "rule_id": finding.rule_id,
        "category": pb.Category.Name(finding.category).lower(),
        "severity": pb.Severity.Name(finding.severity).lower(),
        "ingredients": list(finding.ingredients),
        "items": list(finding.item_indexes),
        "message": finding.message,
        "source": finding.source,
    }


def cmd_check(args: argparse.Namespace) -> int:
    from reviewer.engine import ReviewEngine
    from reviewer.errors import ReviewError
    engine = ReviewEngine(_config(args))
    now = dt.datetime.now(dt.timezone.utc)
    bad = 0
    source = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")
    with source:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                request = json_format.Parse(line, pb.ReviewRequest())
                outcome = engine.review(request, now)
            except (json_format.ParseError, ReviewError) as exc:
                bad += 1
                print(f"{args.file}:{number}: {exc}", file=sys.stderr)
                continue
            print(orjson.dumps({
                "line": number, "prescription_id": request.prescription_id,
                "verdict": pb.Verdict.Name(outcome.verdict),
                "knowledge_base_version": outcome.knowledge_base_version,
                "findings": [finding_json(f) for f in outcome.findings],
            }).decode(), flush=False)
    sys.stdout.flush()
    return 1 if bad else 0


def cmd_kb(args: argparse.Namespace) -> int:
    from knowledge_base import cli as kb_cli
    return kb_cli.run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reviewer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the gRPC review service")
    serve.add_argument("--config", type=Path, help="TOML configuration file")
    serve.add_argument("--listen", help="HOST:PORT to listen on (default 127.0.0.1:50051)")
    serve.add_argument("--data-dir", type=Path, help="where the SQLite store lives")
    serve.add_argument("--metrics-listen", help="HOST:PORT for Prometheus /metrics")
    serve.add_argument("--log-level", default="INFO")
    serve.set_defaults(func=cmd_serve)

    submit = sub.add_parser("submit", help="send a review request (proto3 JSON) to a server")
    submit.add_argument("file")
    submit.add_argument("--target", default="127.0.0.1:50051")
    submit.add_argument("--timeout", type=float, default=10.0)
    submit.add_argument("--wait", action="store_true", help="wait for a held review's decision")
    submit.set_defaults(func=cmd_submit)

    check = sub.add_parser("check", help="review JSON-lines requests offline")
    check.add_argument("file", help="one ReviewRequest (proto3 JSON) per line; - for stdin")
    check.add_argument("--config", type=Path)
    check.set_defaults(func=cmd_check)

    queue = sub.add_parser("queue", help="the pharmacist's terminal client")
    from reviewer import queue_cli
    queue_cli.add_arguments(queue)
    queue.set_defaults(func=lambda args: queue_cli.run(args))

    kb = sub.add_parser("kb", help="validate, compile, diff and count the knowledge base")
    from knowledge_base import cli as kb_cli
    kb_cli.add_arguments(kb)
    kb.set_defaults(func=cmd_kb)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
