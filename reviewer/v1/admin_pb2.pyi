from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class GetKnowledgeBaseRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReloadKnowledgeBaseRequest(_message.Message):
    __slots__ = ("directory",)
    DIRECTORY_FIELD_NUMBER: _ClassVar[int]
    directory: str
    def __init__(self, directory: _Optional[str] = ...) -> None: ...

class KnowledgeBaseInfo(_message.Message):
    __slots__ = ("version", "previous_version", "ingredients", "interaction_pairs", "facts")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_VERSION_FIELD_NUMBER: _ClassVar[int]
    INGREDIENTS_FIELD_NUMBER: _ClassVar[int]
    INTERACTION_PAIRS_FIELD_NUMBER: _ClassVar[int]
    FACTS_FIELD_NUMBER: _ClassVar[int]
    version: str
    previous_version: str
    ingredients: int
    interaction_pairs: int
    facts: int
    def __init__(self, version: _Optional[str] = ..., previous_version: _Optional[str] = ..., ingredients: _Optional[int] = ..., interaction_pairs: _Optional[int] = ..., facts: _Optional[int] = ...) -> None: ...
