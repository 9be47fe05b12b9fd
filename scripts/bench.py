"""`make bench`: the build's figures, printed and compared with the previous run on this machine.

Builds a copy of the project in a temp folder (your outputs/ are untouched): a cold build with two workers and
with one (the speed-up), a rebuild with nothing changed, a rebuild after one message changed; then
per-output-kind CPU timings beside their floor, in the same process (a social card beside encoding its JPEG, a
poster beside WeasyPrint writing an empty A4 page), as a ratio. Then the scale scenario: projects of 100 (and,
asked for, 1 000) messages made by scripts/make_scale_project.py, each built cold, then measured: a rebuild with
nothing changed, one message edited, `kit check` after the build, the site stage alone (`--site-only`), each
with its peak memory; and Pelican building the same texts with feeds, where Pelican is installed
(`pip install -e .[bench]`), with the ratio.

    python scripts/bench.py [--scale 100,1000] [--scale-light] [--no-speedup]

`--scale 0` skips the scale scenario; `--scale-light` gives each generated message one municipality (a fifth of
the posters: a quicker cold build on a busy machine). The load average is printed with the figures, and a speed
gauge (fixed work kit does not change, timed before and after): on a shared machine, compare runs whose gauges
agree. History: outputs/bench-history.jsonl (one line per run).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
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


BENCH_NOW = "2026-11-26T12:00"


def timed_build(root: Path, *args: str) -> dict:
    """Run one build (or, with args "check", a check) in a fresh process that reports its own peak memory and
    its workers'."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, __file__, "--one-build", str(root), *args], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(args) or 'build'} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    lines = result.stdout.splitlines()
    return {"seconds": round(seconds, 2), "peak_mb": json.loads(lines[-1])["peak_mb"], "summary": lines[0]}


def one_build(root: str, *args: str) -> None:
    from click.testing import CliRunner  # runs the real CLI in this process, so rusage covers it

    from kit.cli import main as kit_main

    # A check at the builds' moment: after a build, its jobs are current (a municipality calendar's events, for one,
    # follow the moment).
    command = [*args, "--now", BENCH_NOW] if args and args[0] == "check" else ["build", "--now", BENCH_NOW, *args]
    result = CliRunner().invoke(kit_main, ["--root", root, *command])
    if result.exit_code != 0:
        print(result.output, file=sys.stderr)
        sys.exit(1)
    own = own_peak_kb()
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(next(line for line in result.output.splitlines() if line.startswith(("Rendered", "Nothing", "No errors", "Site made"))))
    print(json.dumps({"peak_mb": round(max(own, workers) / 1024)}))


def own_peak_kb() -> int:
    """This process's peak memory since it started. Not ru_maxrss: Linux carries that over from the process that
    started it (the bench, by then large from its in-process figures), so every build it timed showed the bench's size."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
    except (OSError, StopIteration, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def build_figures(speedup: bool = True) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        copy_project(root)
        cold = timed_build(root, "--workers", "2")
        unchanged = timed_build(root)
        et = root / "messages" / "suitsusaun" / "et.md"
        et.write_text(et.read_text(encoding="utf-8").replace("Tule õpi", "Tule ja õpi"), encoding="utf-8")
        one = timed_build(root)
        figures = {"cold": cold, "no_change": unchanged, "one_message": one}
        if speedup:  # the same cold build on one worker: what the second core brings
            shutil.rmtree(root / "outputs")
            figures["cold_one_worker"] = timed_build(root, "--workers", "1")
            figures["speedup_two_workers"] = round(figures["cold_one_worker"]["seconds"] / cold["seconds"], 2)
    return figures


def scale_figures(size: int, light: bool) -> dict:
    """The build's growth with history: `size` generated messages built cold, then each figure measured."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_scale_project import make

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "proj"
        ids = make(root, size, one_municipality=light)
        figures: dict = {"messages": size, "light": light, "cold": timed_build(root)}
        figures["no_change"] = timed_build(root)
        edited = root / "messages" / ids[len(ids) // 2] / "et.md"
        edited.write_text(edited.read_text(encoding="utf-8").replace("\n---\n", "\n---\nMuudetud lõik.\n\n", 1),
                          encoding="utf-8")
        figures["one_message"] = timed_build(root)
        figures["check"] = timed_build(root, "check")
        figures["site_only"] = timed_build(root, "--site-only")
        figures["site_bytes"] = sum(p.stat().st_size for p in (root / "outputs" / "site").rglob("*") if p.is_file())
        figures.update(bundle_figures(root / "outputs"))
        pelican = pelican_figures(root, Path(tmp) / "pelican")
        if pelican:
            figures["pelican"] = pelican
            figures["site_only_vs_pelican"] = round(figures["site_only"]["seconds"] / pelican["seconds"], 1)
    return figures


def bundle_figures(out: Path) -> dict:
    """The ZIP bundles' bytes beside the built files' (outputs/kit): what the downloads cost in disk."""
    bundles = sum(p.stat().st_size for p in (out / "site" / "bundles").glob("*.zip"))
    kit = sum(p.stat().st_size for p in (out / "kit").rglob("*") if p.is_file())
    return {"bundle_bytes": bundles, "kit_bytes": kit, "bundles_vs_kit": round(bundles / kit, 2) if kit else None}


def pelican_figures(project: Path, work: Path) -> dict | None:
    """Pelican building the same texts (every message in every language it has, as an article) with its feeds,
    from scratch, in a fresh process: the peer figure for the site stage. None when Pelican is not installed."""
    try:
        import pelican  # noqa: F401
    except ImportError:
        return None
    content = work / "content"
    content.mkdir(parents=True)
    for folder in sorted((project / "messages").iterdir()):
        for text in sorted(folder.glob("*.md")):
            head, _, body = text.read_text(encoding="utf-8").partition("\n---\n")
            title = next((line[7:] for line in head.splitlines() if line.startswith("title: ")), folder.name)
            date = next(line[6:] for line in (folder / "message.yaml").read_text(encoding="utf-8").splitlines()
                        if line.startswith("date: "))
            (content / f"{folder.name}-{text.stem}.md").write_text(
                f"Title: {title}\nDate: {date}\nLang: {text.stem}\nSlug: {folder.name}-{text.stem}\n\n{body}",
                encoding="utf-8")
    (work / "pelicanconf.py").write_text(
        "SITEURL = 'https://loov.vorumaa.ee/kit'\nSITENAME = 'kit'\nTIMEZONE = 'Europe/Tallinn'\n"
        "FEED_DOMAIN = SITEURL\nFEED_ALL_ATOM = 'feeds/all.atom.xml'\nFEED_ALL_RSS = 'feeds/all.rss.xml'\n"
        "CATEGORY_FEED_ATOM = None\nTRANSLATION_FEED_ATOM = None\nDEFAULT_PAGINATION = 20\n", encoding="utf-8")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", "import resource, sys; from pelican import main; "
                             "sys.argv = sys.argv[1:]\ntry:\n    main()\nfinally:\n"
                             "    print('peak_mb', round(int(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:'))) / 1024))",
                             "pelican", str(content), "-o", str(work / "output"), "-s", str(work / "pelicanconf.py"),
                             "-q"], capture_output=True, text=True, cwd=work)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        return {"error": result.stderr[-500:]}
    peak = next((int(line.split()[1]) for line in result.stdout.splitlines() if line.startswith("peak_mb")), 0)
    return {"seconds": round(seconds, 2), "peak_mb": peak, "articles": len(list(content.iterdir()))}


def social_figures() -> dict:
    """CPU time per social image (render + encode) beside just encoding the same image: the floor."""

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
            started = time.process_time()
            image = card(message, lang, fmt, brand)
            data = _jpeg(image, fmt)
            full.append(time.process_time() - started)
            started = time.process_time()
            _jpeg(image, fmt)
            encode.append(time.process_time() - started)
    # The median is a card whose photo this worker has already scaled (the other languages' cards, in a build);
    # the mean counts the first language's, which scale it (a LANCZOS pass over the whole photo).
    per_image, floor = statistics.median(full), statistics.median(encode)
    return {"images_per_second_one_core": round(1 / per_image, 1), "ms_per_image": round(per_image * 1000, 1),
            "ms_mean_per_image": round(statistics.mean(full) * 1000, 1),
            "ms_encode_floor": round(floor * 1000, 1), "ratio_to_floor": round(per_image / floor, 1),
            "bytes_last": len(data)}


def poster_figures() -> dict:
    """CPU time per poster (layout, PDF, preview) beside WeasyPrint writing the same page size with no content, in
    the same process. Every municipality and paper of two messages, as a worker meets them: the posters of a
    message after its first share its layout decision."""
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
    from kit.render.poster import plan

    jobs = [Job("poster", m, lang, spec.variant, spec.outputs, spec.params) for m in ("suitsusaun", "koolitusprogramm")
            for lang in ("et", "en", "vro") for spec in plan(ctx.messages[m], lang, ctx)]
    render(jobs[0], ctx)  # warm: imports, fonts
    full = []
    for job in jobs:
        started = time.process_time()
        render(job, ctx)
        full.append(time.process_time() - started)
    empty = []
    for _ in range(9):
        started = time.process_time()
        weasyprint().HTML(string="<style>@page{size:A4}</style><p></p>").write_pdf(font_config=font_config())
        empty.append(time.process_time() - started)
    per, floor = statistics.mean(full), statistics.median(empty)  # mean: the anchors' searches count
    return {"posters_per_second_one_core": round(1 / per, 1), "ms_per_poster": round(per * 1000),
            "ms_empty_page_floor": round(floor * 1000, 1), "ratio_to_floor": round(per / floor, 1),
            "posters": len(jobs)}


def document_figures() -> dict:
    """Newsletter issues and press texts per second (one core, warm)."""
    from datetime import datetime

    from kit.build import load_project
    from kit.config import load_settings
    from kit.model import Job
    from kit.render import RenderContext
    from kit.render.newsletter import plan_issues
    from kit.render.newsletter import render as render_newsletter
    from kit.render.press import plan as plan_press
    from kit.render.press import render as render_press

    settings = load_settings(ROOT)
    brand, content = load_project(settings)
    ctx = RenderContext(settings, brand, {m.id: m for m in content.messages}, datetime.now(settings.tz), content.intros)
    issues = [Job("newsletter", s.variant, lang, s.variant, s.outputs, s.params, members=s.members)
              for lang in settings.languages for s in plan_issues(lang, ctx)]
    presses = [Job("press", m, lang, spec.variant, spec.outputs, spec.params)  # as the build plans them
               for m in ("suitsusaun", "loov-voru-maakond") for lang in settings.languages
               for spec in plan_press(ctx.messages[m], lang, ctx)]
    render_press(presses[0], ctx)  # warm
    figures = {}
    for name, jobs, render in (("newsletters", issues, render_newsletter), ("press_texts", presses, render_press)):
        started = time.perf_counter()
        for job in jobs:
            render(job, ctx)
        figures[f"{name}_per_second_one_core"] = round(len(jobs) / (time.perf_counter() - started), 1)
    return figures


def speed_gauge() -> dict:
    """This machine's speed now, from fixed work that kit's code does not change: the best of five runs of a pure
    Python loop and of hashing 16 MB. The same machine was a fifth slower from one hour to the next (a shared host):
    figures of two runs compare only as far as their gauges agree."""
    data = bytes(16 << 20)

    def best(work) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        return round(min(times) * 1000, 1)
    return {"python_loop_ms": best(lambda: sum(i * i for i in range(1_000_000))),
            "sha256_16mb_ms": best(lambda: hashlib.sha256(data).digest())}


def main() -> None:
    from bench_studio import studio_figures  # scripts/bench_studio.py: save to previews in kit studio

    parser = argparse.ArgumentParser(description="kit's speed and memory figures")
    parser.add_argument("--scale", default="100", help="sizes of the scale scenario, e.g. 100,1000 (0: skip)")
    parser.add_argument("--scale-light", action="store_true", help="one municipality per generated message")
    parser.add_argument("--no-speedup", action="store_true", help="skip the one-worker cold build")
    args = parser.parse_args()
    load_before, gauge_before = os.getloadavg(), speed_gauge()
    figures = {"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "cpus": os.cpu_count(),
               "build": build_figures(speedup=not args.no_speedup), "social": social_figures(),
               "poster": poster_figures(), "documents": document_figures(), "studio": studio_figures()}
    figures["scale"] = [scale_figures(int(size), args.scale_light) for size in args.scale.split(",") if int(size) > 0]
    figures["load_average"] = [round(v, 2) for v in load_before + os.getloadavg()]  # 1/5/15 min, before and after
    figures["speed_gauge"] = {"before": gauge_before, "after": speed_gauge()}
    previous = _previous()
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {os.getloadavg()[0]:.2f} (figures from a loaded machine are not comparable)")
    was_gauge = previous.get("speed_gauge", {}).get("before") if previous else None
    print("speed gauge " + "  ".join(f"{when}: " + " ".join(f"{k}={v}" for k, v in gauge.items())
                                     for when, gauge in figures["speed_gauge"].items())
          + (f"  (previous run before: {' '.join(f'{k}={v}' for k, v in was_gauge.items())})" if was_gauge else ""))
    for stage, values in figures["build"].items():
        if not isinstance(values, dict):
            print(f"build {stage:20} {values}×  (cold, wall time, one worker over two)")
            continue
        was = previous.get("build", {}).get(stage, {}).get("seconds") if previous else None
        delta = f"  (was {was} s)" if was is not None else ""
        print(f"build {stage:20} {values['seconds']:7.2f} s  peak {values['peak_mb']:5d} MB  {values['summary']}{delta}")
    for kind in ("social", "poster", "documents", "studio"):
        print(f"{kind:18} " + "  ".join(f"{k}={v}" for k, v in figures[kind].items()))
    for scale in figures["scale"]:
        name = f"scale {scale['messages']}" + (" light" if scale["light"] else "")
        for stage in ("cold", "no_change", "one_message", "check", "site_only"):
            values = scale[stage]
            print(f"{name:16} {stage:12} {values['seconds']:7.2f} s  peak {values['peak_mb']:5d} MB  {values['summary']}")
        print(f"{name:16} site {scale['site_bytes'] / 1e6:.1f} MB; bundles {scale['bundle_bytes'] / 1e6:.1f} MB for "
              f"{scale['kit_bytes'] / 1e6:.1f} MB of built files: {scale['bundles_vs_kit']}× (goal ≤ 0.5×)")
        if "pelican" in scale:
            print(f"{name:16} pelican      {scale['pelican']}  site stage / pelican: {scale.get('site_only_vs_pelican')}×")
        else:
            print(f"{name:16} pelican      not installed (pip install -e .[bench]): no comparison")
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
        one_build(sys.argv[2], *sys.argv[3:])
    else:
        main()
