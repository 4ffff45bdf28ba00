from reviewer.v1 import review_pb2 as _review_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListQueueRequest(_message.Message):
    __slots__ = ("limit",)
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    limit: int
    def __init__(self, limit: _Optional[int] = ...) -> None: ...

class WatchQueueRequest(_message.Message):
    __slots__ = ("limit", "refresh_seconds")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    REFRESH_SECONDS_FIELD_NUMBER: _ClassVar[int]
    limit: int
    refresh_seconds: int
    def __init__(self, limit: _Optional[int] = ..., refresh_seconds: _Optional[int] = ...) -> None: ...

class QueueItem(_message.Message):
    __slots__ = ("review_id", "kind", "unit_level", "department", "state", "verdict", "top_severity", "finding_count", "claimed_by", "claim_until_unix_ms", "deadline_unix_ms", "seconds_left", "created_unix_ms", "headline")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    UNIT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    TOP_SEVERITY_FIELD_NUMBER: _ClassVar[int]
    FINDING_COUNT_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_BY_FIELD_NUMBER: _ClassVar[int]
    CLAIM_UNTIL_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    SECONDS_LEFT_FIELD_NUMBER: _ClassVar[int]
    CREATED_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    HEADLINE_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    kind: _review_pb2.PrescriptionKind
    unit_level: _review_pb2.UnitLevel
    department: str
    state: _review_pb2.DecisionState
    verdict: _review_pb2.Verdict
    top_severity: _review_pb2.Severity
    finding_count: int
    claimed_by: str
    claim_until_unix_ms: int
    deadline_unix_ms: int
    seconds_left: int
    created_unix_ms: int
    headline: str
    def __init__(self, review_id: _Optional[str] = ..., kind: _Optional[_Union[_review_pb2.PrescriptionKind, str]] = ..., unit_level: _Optional[_Union[_review_pb2.UnitLevel, str]] = ..., department: _Optional[str] = ..., state: _Optional[_Union[_review_pb2.DecisionState, str]] = ..., verdict: _Optional[_Union[_review_pb2.Verdict, str]] = ..., top_severity: _Optional[_Union[_review_pb2.Severity, str]] = ..., finding_count: _Optional[int] = ..., claimed_by: _Optional[str] = ..., claim_until_unix_ms: _Optional[int] = ..., deadline_unix_ms: _Optional[int] = ..., seconds_left: _Optional[int] = ..., created_unix_ms: _Optional[int] = ..., headline: _Optional[str] = ...) -> None: ...

class QueueSnapshot(_message.Message):
    __slots__ = ("items", "depth_by_kind", "server_time_unix_ms")
    class DepthByKindEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    DEPTH_BY_KIND_FIELD_NUMBER: _ClassVar[int]
    SERVER_TIME_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[QueueItem]
    depth_by_kind: _containers.ScalarMap[str, int]
    server_time_unix_ms: int
    def __init__(self, items: _Optional[_Iterable[_Union[QueueItem, _Mapping]]] = ..., depth_by_kind: _Optional[_Mapping[str, int]] = ..., server_time_unix_ms: _Optional[int] = ...) -> None: ...

class ClaimRequest(_message.Message):
    __slots__ = ("review_id", "pharmacist_id", "lease_seconds")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    PHARMACIST_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    pharmacist_id: str
    lease_seconds: int
    def __init__(self, review_id: _Optional[str] = ..., pharmacist_id: _Optional[str] = ..., lease_seconds: _Optional[int] = ...) -> None: ...

class ReleaseClaimRequest(_message.Message):
    __slots__ = ("review_id", "pharmacist_id")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    PHARMACIST_ID_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    pharmacist_id: str
    def __init__(self, review_id: _Optional[str] = ..., pharmacist_id: _Optional[str] = ...) -> None: ...

class GetReviewRequest(_message.Message):
    __slots__ = ("review_id",)
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    def __init__(self, review_id: _Optional[str] = ...) -> None: ...

class AuditEvent(_message.Message):
    __slots__ = ("at_unix_ms", "actor", "action", "detail")
    AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    at_unix_ms: int
    actor: str
    action: str
    detail: str
    def __init__(self, at_unix_ms: _Optional[int] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class ReviewDetail(_message.Message):
    __slots__ = ("request", "response", "decision", "events", "revises")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    REVISES_FIELD_NUMBER: _ClassVar[int]
    request: _review_pb2.ReviewRequest
    response: _review_pb2.ReviewResponse
    decision: _review_pb2.Decision
    events: _containers.RepeatedCompositeFieldContainer[AuditEvent]
    revises: str
    def __init__(self, request: _Optional[_Union[_review_pb2.ReviewRequest, _Mapping]] = ..., response: _Optional[_Union[_review_pb2.ReviewResponse, _Mapping]] = ..., decision: _Optional[_Union[_review_pb2.Decision, _Mapping]] = ..., events: _Optional[_Iterable[_Union[AuditEvent, _Mapping]]] = ..., revises: _Optional[str] = ...) -> None: ...

class ApproveRequest(_message.Message):
    __slots__ = ("review_id", "pharmacist_id", "note")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    PHARMACIST_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    pharmacist_id: str
    note: str
    def __init__(self, review_id: _Optional[str] = ..., pharmacist_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class RejectRequest(_message.Message):
    __slots__ = ("review_id", "pharmacist_id", "reason_code", "reason")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    PHARMACIST_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    pharmacist_id: str
    reason_code: str
    reason: str
    def __init__(self, review_id: _Optional[str] = ..., pharmacist_id: _Optional[str] = ..., reason_code: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class AnnotateRequest(_message.Message):
    __slots__ = ("review_id", "pharmacist_id", "note")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    PHARMACIST_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    pharmacist_id: str
    note: str
    def __init__(self, review_id: _Optional[str] = ..., pharmacist_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class ListReasonTemplatesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReasonTemplates(_message.Message):
    __slots__ = ("templates",)
    class TemplatesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TEMPLATES_FIELD_NUMBER: _ClassVar[int]
    templates: _containers.ScalarMap[str, str]
    def __init__(self, templates: _Optional[_Mapping[str, str]] = ...) -> None: ...
