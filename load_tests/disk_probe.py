"""How long this machine's disk takes to make a small write durable (fdatasync).

Every acknowledged review waits for one such flush (shared by its group), so the flush's
tail is a floor under the service's tail latency. The report measures it in the same
run, in the directory the store uses.

    python -m load_tests.disk_probe [--seconds 30] [--dir DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

FILE_BYTES = 8 << 20
WRITE = b"r" * 8192
STALL_SECONDS = 0.005


def probe(directory: Path, seconds: float, interval: float = 0.001) -> dict[str, Any]:
    """Overwrite 8 KiB and fdatasync, every ``interval``, for ``seconds``."""
    fd, name = tempfile.mkstemp(prefix="disk-probe-", dir=directory)
    try:
        os.write(fd, b"\0" * FILE_BYTES)
        os.fsync(fd)
        flushes: list[float] = []
        offset = 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            os.pwrite(fd, WRITE, offset)
            offset = (offset + len(WRITE)) % FILE_BYTES
            started = time.perf_counter()
            os.fdatasync(fd)
            flushes.append(time.perf_counter() - started)
            time.sleep(interval)
    finally:
        os.close(fd)
        os.unlink(name)
    flushes.sort()
    stalls = [f for f in flushes if f > STALL_SECONDS]

    def pct(p: float) -> float:
        return round(flushes[min(len(flushes) - 1, int(p * len(flushes)))] * 1000, 3)
    return {"flushes": len(flushes), "seconds": seconds, "p50_ms": pct(0.50),
            "p99_ms": pct(0.99), "p999_ms": pct(0.999), "max_ms": round(flushes[-1] * 1000, 1),
            "stalls_over_5ms": len(stalls),
            "share_of_time_stalled": round(sum(stalls) / seconds, 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args(argv)
    print(json.dumps(probe(args.dir, args.seconds), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
