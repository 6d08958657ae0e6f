"""The installed wheel works as a user gets it: run in a venv with only the built wheel installed (non-editable),
from a folder outside the checkout.

Builds seeds/ and (when ../shared/realworld is there) real pages, and checks from the JSON and the package that
the trained models shipped inside the wheel were used: compressed headlines on the untitled seeds, and the
section models loaded from the installed package (site-packages), not from a source tree.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "realworld" / "aeb" / "html"


def main() -> int:
    import briefing
    from briefing.models import shipped
    from briefing.stories.sections import load_section_models

    installed = Path(briefing.__file__).resolve()
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    if (ROOT / "briefing") in installed.parents or site not in installed.parents:
        print(f"wheel check: briefing is imported from the checkout ({installed}), not the wheel", file=sys.stderr)
        return 1
    models = load_section_models()
    compressor = shipped("compressor") / "compressor.safetensors"
    tuner = shipped("sections") / "tuner.safetensors"
    if models.classifier is None or models.lexical is None or not compressor.is_file() or not tuner.is_file():
        print(f"wheel check: the trained weights are not in the installed package ({shipped('sections')})",
              file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "briefs"
        real = sorted(str(p) for p in REAL.glob("*.html"))[:12] if REAL.exists() else []
        inputs = [str(ROOT / "seeds"), *(real or [str(ROOT / "tests" / "fixtures" / "day.jsonl")])]
        proc = subprocess.run(["briefing", "build", *inputs, "--out", str(out), "--format", "json", "--date",
                               "2026-02-05", "--since", "2000-01-01", "--no-cache", "-v"],  # the pages are from 2019
                              capture_output=True, text=True, cwd=tmp)
        if proc.returncode not in (0, 5) or "Traceback" in proc.stderr:
            print(f"wheel check: build failed ({proc.returncode}):\n{proc.stderr[-3000:]}", file=sys.stderr)
            return 1
        data = json.loads((out / "2026-02-05.json").read_text(encoding="utf-8"))
    stories = [s for sec in data["sections"] for s in sec["stories"]] + data["more"]
    seeds = [s for s in stories if s["sources"][0]["id"].startswith("000_")]
    compressed = [s for s in seeds if s["headline_from"] == "compressed"]
    if not compressed:
        print(f"wheel check: no compressed headline on the untitled seeds: {[s['headline_from'] for s in seeds]}",
              file=sys.stderr)
        return 1
    said = re.search(r"sections of \d+ stories: .*?(\d+) by the section models", proc.stderr)  # -v's line
    learned = int(said.group(1)) if said else 0
    if not learned:
        print(f"wheel check: no story's section came from the trained section models:\n{proc.stderr[-3000:]}",
              file=sys.stderr)
        return 1
    if "section models used: embedding + lexical + tuner" not in proc.stderr:
        print(f"wheel check: the section tuner did not take part over the installed encoder:\n{proc.stderr[-3000:]}",
              file=sys.stderr)
        return 1
    print(f"wheel check: briefing {briefing.__version__} from {installed.parent}; {len(stories)} stories, "
          f"{len(compressed)} compressed headlines on the seeds, {learned} sections from the trained models")
    return 0


if __name__ == "__main__":
    sys.exit(main())
