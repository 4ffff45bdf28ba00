"""Print the header every committed benchmark or load report starts with."""
from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata


def header() -> str:
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    packages = []
    for name in ("Cython", "grpcio", "protobuf", "pyahocorasick", "orjson", "pytest-benchmark"):
        try:
            packages.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    if commit and dirty:
        commit += " plus the uncommitted change measured here"
    return (f"- machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}\n"
            f"- python: {platform.python_implementation()} {platform.python_version()}\n"
            f"- packages: {', '.join(packages)}\n"
            f"- commit: {commit or 'uncommitted'}")


if __name__ == "__main__":
    print(header())
