"""`make bench`: the build's figures, printed and compared with the previous run on this machine.

Builds a copy of the project in a temp folder (your outputs/ are untouched): a cold build, a rebuild with
nothing changed, a rebuild after one message changed; then per-output-kind timings beside their floor.
History: outputs/bench-history.jsonl (one line per run).
"""
from __future__ import annotations

import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "outputs" / "bench-history.jsonl"


def copy_project(to: Path) -> None:
    for name in ("brand", "messages"):
        shutil.copytree(ROOT / name, to / name)
    shutil.copy(ROOT / "pyproject.toml", to / "pyproject.toml")


def timed_build(root: Path) -> dict:
    """Run one build in a fresh process that reports its own peak memory and its workers'."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, __file__, "--one-build", str(root)], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"build failed:\n{result.stdout}\n{result.stderr}")
    lines = result.stdout.splitlines()
    return {"seconds": round(seconds, 2), "peak_mb": json.loads(lines[-1])["peak_mb"], "summary": lines[0]}


def one_build(root: str) -> None:
    from click.testing import CliRunner  # runs the real CLI in this process, so rusage covers it

    from kit.cli import main as kit_main

    result = CliRunner().invoke(kit_main, ["--root", root, "build", "--now", "2026-11-26T12:00"])
    if result.exit_code != 0:
        print(result.output, file=sys.stderr)
        sys.exit(1)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(next(line for line in result.output.splitlines() if line.startswith(("Rendered", "Nothing"))))
    print(json.dumps({"peak_mb": round(max(own, workers) / 1024)}))


def build_figures() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        copy_project(root)
        cold = timed_build(root)
        unchanged = timed_build(root)
        et = root / "messages" / "suitsusaun" / "et.md"
        et.write_text(et.read_text(encoding="utf-8").replace("Tule õpi", "Tule ja õpi"), encoding="utf-8")
        one = timed_build(root)
    return {"cold": cold, "no_change": unchanged, "one_message": one}


def social_figures() -> dict:
    """Time per social image (render + encode) beside just encoding the same image: the floor."""

    from kit.build import load_project
    from kit.config import load_settings
    from kit.platforms import rules
    from kit.render.social import _jpeg, card

    settings = load_settings(ROOT)
    brand, content = load_project(settings)
    message = next(m for m in content.messages if m.id == "suitsusaun")
    formats = list(rules().formats.values())
    card(message, "et", formats[0], brand)  # warm caches, as a worker is after its first job
    full, encode = [], []
    for lang in ("et", "en", "vro"):
        for fmt in formats:
            started = time.perf_counter()
            image = card(message, lang, fmt, brand)
            data = _jpeg(image, fmt)
            full.append(time.perf_counter() - started)
            started = time.perf_counter()
            _jpeg(image, fmt)
            encode.append(time.perf_counter() - started)
    per_image = statistics.median(full)
    return {"images_per_second_one_core": round(1 / per_image, 1), "ms_per_image": round(per_image * 1000, 1),
            "ms_encode_floor": round(statistics.median(encode) * 1000, 1), "bytes_last": len(data)}


def poster_figures() -> dict:
    """Time per poster (layout, PDF, preview) beside WeasyPrint rendering the same page size with no content."""
    from datetime import datetime

    from kit.build import load_project
    from kit.config import load_settings
    from kit.model import Job
    from kit.render import RenderContext
    from kit.render.pdf import font_config, weasyprint
    from kit.render.poster import render

    settings = load_settings(ROOT)
    brand, content = load_project(settings)
    ctx = RenderContext(settings, brand, {m.id: m for m in content.messages}, datetime.now(settings.tz))
    jobs = [Job("poster", "suitsusaun", lang, f"rouge-{size}", ("a.pdf", "a.png"),
                {"municipality": "rouge", "size": size, "office": ""}) for lang in ("et", "en", "vro") for size in ("A4", "A3")]
    render(jobs[0], ctx)  # warm: imports, fonts
    full = []
    for job in jobs:
        started = time.perf_counter()
        render(job, ctx)
        full.append(time.perf_counter() - started)
    empty = []
    for _ in range(6):
        started = time.perf_counter()
        weasyprint().HTML(string="<style>@page{size:A4}</style><p></p>").write_pdf(font_config=font_config())
        empty.append(time.perf_counter() - started)
    per = statistics.median(full)
    return {"posters_per_second_one_core": round(1 / per, 1), "ms_per_poster": round(per * 1000),
            "ms_empty_page_floor": round(statistics.median(empty) * 1000, 1)}


def document_figures() -> dict:
    """Newsletter issues and press texts per second (one core, warm)."""
    from datetime import datetime

    from kit.build import load_project
    from kit.config import load_settings
    from kit.model import Job
    from kit.render import RenderContext
    from kit.render.newsletter import plan_issues
    from kit.render.newsletter import render as render_newsletter
    from kit.render.press import render as render_press

    settings = load_settings(ROOT)
    brand, content = load_project(settings)
    ctx = RenderContext(settings, brand, {m.id: m for m in content.messages}, datetime.now(settings.tz), content.intros)
    issues = [Job("newsletter", s.variant, lang, s.variant, s.outputs, s.params, members=s.members)
              for lang in settings.languages for s in plan_issues(lang, ctx)]
    presses = [Job("press", m, lang, "press", tuple(f"p{s}" for s in (".html", ".pdf", ".txt", ".docx")))
               for m in ("suitsusaun", "loov-voru-maakond") for lang in settings.languages]
    render_press(presses[0], ctx)  # warm
    figures = {}
    for name, jobs, render in (("newsletters", issues, render_newsletter), ("press_texts", presses, render_press)):
        started = time.perf_counter()
        for job in jobs:
            render(job, ctx)
        figures[f"{name}_per_second_one_core"] = round(len(jobs) / (time.perf_counter() - started), 1)
    return figures


def main() -> None:
    from bench_studio import studio_figures  # scripts/bench_studio.py: save to previews in kit studio

    figures = {"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "build": build_figures(), "social": social_figures(),
               "poster": poster_figures(), "documents": document_figures(), "studio": studio_figures()}
    previous = _previous()
    for stage, values in figures["build"].items():
        was = previous.get("build", {}).get(stage, {}).get("seconds") if previous else None
        delta = f"  (was {was} s)" if was is not None else ""
        print(f"build {stage:12} {values['seconds']:7.2f} s  peak {values['peak_mb']:5d} MB  {values['summary']}{delta}")
    for kind in ("social", "poster", "documents", "studio"):
        print(f"{kind:18} " + "  ".join(f"{k}={v}" for k, v in figures[kind].items()))
    HISTORY.parent.mkdir(exist_ok=True)
    with HISTORY.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(figures, ensure_ascii=False) + "\n")


def _previous() -> dict:
    try:
        return json.loads(HISTORY.read_text(encoding="utf-8").splitlines()[-1])
    except (OSError, IndexError, ValueError):
        return {}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one-build"]:
        one_build(sys.argv[2])
    else:
        main()
