"""The studio's figures for `make bench`: from a save in the editor to the first preview (the Estonian square
card) and to all previews of one language and of the whole message, on a copy of the sample project.

The message is built once first (the usual case: a message being edited has been built before); then its
Estonian title is changed through the studio's own save (the Flask app, in this process) and the build's journal
is read every 20 ms until the outputs are there.
"""
from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MESSAGE = "suitsusaun"
FIRST = f"social/{MESSAGE}/et/instagram-square.jpg"


def studio_figures() -> dict:
    from kit.config import load_settings
    from kit.studio.app import create_app
    from kit.studio.previews import outputs

    with tempfile.TemporaryDirectory(prefix="kit-bench-studio-") as scratch:
        root = Path(scratch)
        from bench import copy_project  # scripts/bench.py

        copy_project(root)
        subprocess.run([sys.executable, "-m", "kit", "--root", str(root), "build", "--message", MESSAGE],
                       check=True, capture_output=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        settings = load_settings(root)
        app = create_app(settings)
        client = app.test_client()
        figures: dict = {}
        for attempt, title in (("", "Võromaa suitsusauna päev Haanjas ja Rõuges"),
                               ("again_", "Võromaa suitsusauna päev Haanjas ja Rõuges!")):
            # the second save is the usual one: the studio has read the photo and layouts once already
            page = client.get(f"/m/{MESSAGE}", headers={"Host": "127.0.0.1"}).get_data(as_text=True)
            form = {name: value for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
                    if not name.endswith(".sent") and not name.startswith("focus.")}
            form["et.title"] = title
            figures.update({attempt + k: v for k, v in _save_and_watch(app, client, settings, form, outputs).items()})
        app.extensions["kit_previews"].close()
    return figures


def _save_and_watch(app, client, settings, form: dict, outputs) -> dict:
    started = time.perf_counter()
    answer = client.post(f"/m/{MESSAGE}", data=form, headers={"Host": "127.0.0.1"})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    saved = time.perf_counter() - started
    previews = app.extensions["kit_previews"]
    marks: dict[str, float] = {}
    while True:
        run = previews.runs[MESSAGE]
        files = outputs(settings, run.jobs, running=True) if run.jobs else []
        now = time.perf_counter() - started
        done = {path for o in files if o.state == "done" for path, _ in o.files}
        if FIRST in done:
            marks.setdefault("first_card", now)
        if files and all(o.state == "done" for o in files if o.job.lang == "et"):
            marks.setdefault("all_et", now)
        if run.state == "done":
            marks["all"] = now
            break
        time.sleep(0.02)
    jobs = len(run.jobs)
    return {"save_seconds": round(saved, 2), "first_card_seconds": round(marks.get("first_card", -1), 2),
            "all_et_seconds": round(marks.get("all_et", -1), 2), "all_seconds": round(marks["all"], 2), "jobs": jobs}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "scripts"))
    print(studio_figures())
