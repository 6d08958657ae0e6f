"""Fresh-install smoke test: summarize real pages and feeds with only what pyproject.toml declares.

Reads every page of ../shared/realworld/aeb/html and every feed of ../shared/realworld/feeds (when
present; else the bundled test fixtures) with the plain install, then runs `briefing summarize` on
a few pages and `briefing build seeds/` as a user would. Any traceback fails CI.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "realworld"


def main() -> int:
    from briefing.errors import BriefingError
    from briefing.read.parse import parse_bytes

    pages = sorted((REAL / "aeb" / "html").glob("*.html")) if REAL.exists() else []
    feeds = sorted((REAL / "feeds").iterdir()) if REAL.exists() else []
    inputs = pages + feeds or sorted((ROOT / "tests" / "fixtures").glob("*.*"))
    read = 0
    for path in inputs:
        try:
            read += len(parse_bytes(path.read_bytes(), str(path), path.suffix))
        except BriefingError as e:
            print(f"one-line error (allowed): {e}", file=sys.stderr)
    print(f"smoke: {len(inputs)} real inputs read, {read} articles, no traceback")
    sample = [str(p) for p in (pages[:2] or inputs[:1])]
    with tempfile.TemporaryDirectory() as out:
        commands = [["briefing", "summarize", page, "--format", "json"] for page in sample]
        commands.append(["briefing", "build", "seeds", "--out", out, "--no-cache"])
        for cmd in commands:
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            if proc.returncode not in (0, 5) or "Traceback" in proc.stderr:
                print(f"smoke: {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}", file=sys.stderr)
                return 1
            print(f"smoke: {' '.join(cmd[:2])} ok ({len(proc.stdout.splitlines())} lines of output)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
