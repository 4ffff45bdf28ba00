"""``reviewer queue``: the pharmacist's terminal client, until a web workbench exists."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Iterable

import grpc

from reviewer.v1 import pharmacist_pb2 as ph
from reviewer.v1 import pharmacist_pb2_grpc
from reviewer.v1 import review_pb2 as pb

_KIND = {pb.OUTPATIENT: "门诊", pb.EMERGENCY: "急诊", pb.INPATIENT: "住院", pb.CHRONIC: "慢病"}
_STATE = {pb.PENDING: "待审", pb.CLAIMED: "审核中", pb.ESCALATED: "已上报", pb.APPROVED: "通过",
          pb.REJECTED: "驳回", pb.DOUBLE_SIGNED: "双签放行", pb.RELEASED_UNREVIEWED: "超时放行",
          pb.TIMEOUT_BLOCKED: "超时拦截", pb.SUPERSEDED: "已修改", pb.FINAL_BY_SYSTEM: "系统结论"}
_SEVERITY = {pb.MINOR: "提示", pb.MODERATE: "慎用", pb.MAJOR: "严重", pb.CONTRAINDICATED: "禁忌"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", default="127.0.0.1:50051", help="server HOST:PORT")
    sub = parser.add_subparsers(dest="queue_command", required=True)
    listing = sub.add_parser("list", help="the queue, most urgent first, with countdowns")
    listing.add_argument("--limit", type=int, default=50)
    watch = sub.add_parser("watch", help="follow the queue (Ctrl-C to stop)")
    watch.add_argument("--limit", type=int, default=30)
    show = sub.add_parser("show", help="one review: items, findings and sources, audit trail")
    show.add_argument("review_id")
    for name, text in (("claim", "claim an item (with a lease)"),
                       ("release", "give a claim back"),
                       ("approve", "approve a claimed item"),
                       ("reject", "reject a claimed item with a reason"),
                       ("note", "add a note to the audit trail")):
        command = sub.add_parser(name, help=text)
        command.add_argument("review_id")
        command.add_argument("--as", dest="pharmacist", required=True, help="your staff id")
        if name == "claim":
            command.add_argument("--lease", type=int, default=120, help="seconds")
        if name in ("approve", "note"):
            command.add_argument("--note", default="", required=name == "note")
        if name == "reject":
            command.add_argument("--reason-code", default="", help="template code, e.g. R05")
            command.add_argument("--reason", default="", help="free text")
    sub.add_parser("reasons", help="list the reason templates")


def _time(unix_ms: int) -> str:
    return dt.datetime.fromtimestamp(unix_ms / 1000).strftime("%H:%M:%S") if unix_ms else "-"


def format_queue(snapshot: ph.QueueSnapshot) -> str:
    depth = "  ".join(f"{k} {v}" for k, v in sorted(snapshot.depth_by_kind.items())) or "0"
    lines = [f"待审队列  {depth}",
             f"{'倒计时':>6}  {'类别':4} {'状态':6} {'级别':4} {'领取人':10} 审方记录号 / 提示"]
    for item in snapshot.items:
        minutes, seconds = divmod(item.seconds_left, 60)
        countdown = f"{minutes:d}:{seconds:02d}" if item.deadline_unix_ms else "  -"
        lines.append(f"{countdown:>6}  {_KIND.get(item.kind, '?'):4} "
                     f"{_STATE.get(item.state, '?'):6} {_SEVERITY.get(item.top_severity, '-'):4} "
                     f"{item.claimed_by or '-':10} {item.review_id}  {item.headline[:40]}")
    return "\n".join(lines)


def format_detail(detail: ph.ReviewDetail) -> str:
    request, response, decision = detail.request, detail.response, detail.decision
    patient = request.patient
    age = patient.WhichOneof("age")
    lines = [f"审方记录 {response.review_id}  ({_STATE.get(decision.state, '?')})",
             f"{_KIND.get(request.kind, '?')}  {request.department}  医生 {request.prescriber.id}  "
             f"患者 {getattr(patient, age) if age else '?'}{'天' if age == 'age_days' else ''}"
             f"{' 妊娠' if patient.pregnant else ''}{' 哺乳' if patient.lactating else ''}",
             "诊断: " + "；".join(f"{d.icd10} {d.text}" for d in patient.diagnoses),
             "过敏: " + ("；".join(a.text or a.code for a in patient.allergies) or "无"), "处方:"]
    for index, it in enumerate(request.items):
        lines.append(f"  [{index}] {it.drug_name} {it.specification}  {it.dose:g}{it.dose_unit} "
                     f"{it.frequency} {it.route} {it.days:g}天")
    lines.append(f"系统审核 ({pb.Verdict.Name(response.verdict)}), 知识库 {response.knowledge_base_version}:")
    for finding in response.findings:
        lines.append(f"  - [{_SEVERITY.get(finding.severity, '?')}] {finding.message}")
        lines.append(f"    {finding.rule_id}  来源: {finding.source}")
    lines.append("审计记录:")
    for event in detail.events:
        lines.append(f"  {_time(event.at_unix_ms)} {event.actor:20} {event.action} {event.detail}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    with grpc.insecure_channel(args.target) as channel:
        stub = pharmacist_pb2_grpc.PharmacistServiceStub(channel)
        try:
            return _run(stub, args)
        except grpc.RpcError as exc:
            print(f"reviewer: {exc.code().name}: {exc.details()}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            return 0


def _print(lines: Iterable[str] | str) -> None:
    print(lines if isinstance(lines, str) else "\n".join(lines), flush=True)


def _run(stub: pharmacist_pb2_grpc.PharmacistServiceStub, args: argparse.Namespace) -> int:
    command = args.queue_command
    if command == "list":
        _print(format_queue(stub.ListQueue(ph.ListQueueRequest(limit=args.limit), timeout=10)))
    elif command == "watch":
        for snapshot in stub.WatchQueue(ph.WatchQueueRequest(limit=args.limit, refresh_seconds=1)):
            _print("\033[2J\033[H" + format_queue(snapshot))
    elif command == "show":
        _print(format_detail(stub.GetReview(ph.GetReviewRequest(review_id=args.review_id),
                                            timeout=10)))
    elif command == "claim":
        item = stub.Claim(ph.ClaimRequest(review_id=args.review_id, pharmacist_id=args.pharmacist,
                                          lease_seconds=args.lease), timeout=10)
        _print(f"已领取 {item.review_id}，租约至 {_time(item.claim_until_unix_ms)}，"
               f"剩余 {item.seconds_left} 秒")
    elif command == "release":
        stub.ReleaseClaim(ph.ReleaseClaimRequest(review_id=args.review_id,
                                                 pharmacist_id=args.pharmacist), timeout=10)
        _print(f"已放回队列 {args.review_id}")
    elif command == "approve":
        decision = stub.Approve(ph.ApproveRequest(review_id=args.review_id,
                                                  pharmacist_id=args.pharmacist, note=args.note),
                                timeout=10)
        _print(f"已通过 {decision.review_id} ({pb.DecisionState.Name(decision.state)})")
    elif command == "reject":
        decision = stub.Reject(ph.RejectRequest(
            review_id=args.review_id, pharmacist_id=args.pharmacist,
            reason_code=args.reason_code, reason=args.reason), timeout=10)
        _print(f"已驳回 {decision.review_id}：{decision.reason}")
    elif command == "note":
        stub.Annotate(ph.AnnotateRequest(review_id=args.review_id, pharmacist_id=args.pharmacist,
                                         note=args.note), timeout=10)
        _print("已记录")
    elif command == "reasons":
        templates = stub.ListReasonTemplates(ph.ListReasonTemplatesRequest(), timeout=10).templates
        _print(f"{code}  {text}" for code, text in sorted(templates.items()))
    return 0
