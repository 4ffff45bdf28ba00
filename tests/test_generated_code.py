"""The committed gRPC/protobuf code matches proto/: a .proto change without regeneration
fails here (run ``python tools/genproto.py``)."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from genproto import generate  # noqa: E402


def test_generated_code_is_up_to_date(tmp_path: Path) -> None:
    generated = generate(tmp_path)
    assert generated, "no code was generated"
    for path in generated:
        committed = ROOT / path.relative_to(tmp_path)
        assert committed.exists(), f"{committed} is missing: run python tools/genproto.py"
        assert committed.read_text() == path.read_text(), (
            f"{committed.relative_to(ROOT)} is stale: run python tools/genproto.py")
