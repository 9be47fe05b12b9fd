"""The writer: the only code that touches outputs/. Atomic writes and the manifest of what was built from what."""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import stat
import tempfile
from array import array
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

from kit.manifest import OLD_JOURNAL, Manifest
from kit.model import Artifact, Job, JobResult

__all__ = ["Store", "BuiltJob", "BuiltFile", "write_atomic"]

WRITING = "manifest.writing"  # there while a process writes outputs/kit: a kill leaves it, and maybe temp files
# Every file outputs/site holds, as the last sync left it, and the link counts of the built files it links to: a
# pickle, not JSON (190 000 names at 1 000 messages; JSON took a quarter of a second each way).
SITE_FILES = "state/site-files.pickle"
SITE_LINKS = "state/site-links.pickle"  # the link counts, apart: a build with nothing to do reads only them
OLD_SITE_FILES = "state/site-files.json"  # the same as JSON, as kit wrote it before
PAGE_KEYS = "state/page-keys.json"  # site page or feed -> the key of the data it was last made from (Made)
_NOT_THERE = array("q", (-1, -1))  # Store.stat_built's entry for a file that is not there
MESSAGE_MEMO = "state/messages.pickle"  # each message folder as the last build loaded it (kit/content.py Loaded)


def state_json(value) -> bytes:
    """A state file's JSON: keys sorted (the same state, the same bytes), no indentation, so that Python's C
    encoder does the work (indented output goes through the pure-Python one: seconds for a 30 MB manifest)."""
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode()


@dataclass(frozen=True)
class Made:
    """A file made on demand: `make` is called only when `key` (a digest of what it is made from) changed."""
    key: str
    make: Callable[[], bytes]


def write_atomic(path: Path, data: bytes) -> bool:
    """Write through a temp file and os.replace, so a reader never sees half a file. False if unchanged."""
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    fd, tmp = _temp_file(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def _temp_file(path: Path) -> tuple[int, str]:
    """A new temp file beside `path` (open, its name), its folder made if it is the folder's first file."""
    try:
        return tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except FileNotFoundError:
        # Made only when missing: a mkdir that finds the folder there cost 50 us, for every file of every job.
        path.parent.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")


def link_atomic(source: str | Path, target: Path) -> None:
    """Hard-link a built file into the site (no copy: the site costs no extra disk); a copy across devices."""
    if _same_file(source, target):
        return
    tmp = target.with_name(f".{target.name}.link")
    try:
        _link_or_copy(source, tmp)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)  # the folder's first file (see _temp_file)
        _link_or_copy(source, tmp)
    os.replace(tmp, target)


def _link_or_copy(source: str | Path, tmp: Path) -> None:
    tmp.unlink(missing_ok=True)
    try:
        os.link(source, tmp)
    except FileNotFoundError:
        raise  # no folder for it (or no source): not a reason to copy
    except OSError:
        shutil.copyfile(source, tmp)


def _same_file(source: str | Path, target: Path) -> bool:
    """os.path.samefile in two stats, and False when the target is missing (run for every file of the site)."""
    try:
        there, here = os.stat(target), os.stat(source)
    except OSError:
        return False
    return (there.st_ino, there.st_dev) == (here.st_ino, here.st_dev)


def _linked_path(rel: str) -> str:
    """The built file a download of the site stands for: files/<path> and v/<checksum>/files/<path> are <path>."""
    return rel.split("files/", 1)[1] if rel.startswith(("files/", "v/")) and "files/" in rel else ""


@dataclass(frozen=True)
class BuiltFile:
    path: str  # relative to outputs/kit
    location: str  # where it is on disk (a string: a Path for each of 130 000 files took half a second)
    sha256: str
    size: int

    @property
    def source(self) -> Path:
        return Path(self.location)


@dataclass(frozen=True)
class BuiltJob:
    """What the store knows of a job's last render: the files it left (of the last success, when the last
    render failed), their checksums, the renderer's warnings and the error, if it failed."""

    key: str
    input_hash: str  # the inputs it was rendered from: current when it equals the planned job's
    files: tuple[BuiltFile, ...]
    warnings: tuple[str, ...]
    error: str


@dataclass
class Store:
    """outputs/kit (rendered files) plus the build manifest, outputs/manifest.sqlite (job key → input hash and
    files; kit/manifest.py). Other stages read what was built as typed `BuiltJob`s (`result`); the manifest's
    layout is this module's own business."""

    out: Path
    _manifest: Manifest
    # (size, link count) of each file of outputs/kit asked about, None when it is not there: one stat per file per
    # build, however many stages ask (is_current and result run for every file of every job); kept by the writer.
    _stats: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    _writing: bool = False  # this process has begun writing outputs/kit (see WRITING)
    _interrupted: bool = False  # the WRITING mark (or an older kit's journal) was left: a build was killed

    @classmethod
    def open(cls, out: Path) -> "Store":
        journal = (out / OLD_JOURNAL).exists()  # an older kit's, taken over by the manifest below
        return cls(out=out, _manifest=Manifest(out), _interrupted=journal or (out / WRITING).exists())

    @cached_property
    def kit_dir(self) -> Path:
        return self.out / "kit"  # cached: asked once per file of every job (a path join is not free at 100 000)

    def rendered_from(self, job: Job) -> bool:
        """Whether the job's last render was from exactly these inputs, and succeeded (its files may have gone
        since: `kit check`'s pre-flight asks about the inputs only, so needs no stat of 110 000 files)."""
        known = self._manifest.index.get(job.key)
        return known is not None and known[0] == job.input_hash and not known[1]

    def outdated(self, jobs: Sequence[Job]) -> list[Job]:
        """The jobs that are not current: not rendered from these inputs, or a file they made is gone. A build asks
        it of every planned job (37 000 at 1 000 messages), so it is one loop, not a call per job."""
        index, stats, outdated = self._manifest.index, self._stats, []
        for job in jobs:
            known = index.get(job.key)
            if known is None or known[0] != job.input_hash or known[1]:
                outdated.append(job)
                continue
            for rel in job.outputs:
                if (stats[rel] if rel in stats else self._stat(rel)) is None:
                    outdated.append(job)
                    break
        return outdated

    def is_current(self, job: Job) -> bool:
        """Rendered from these inputs, and every file it made is still there."""
        return not self.outdated((job,))

    def _size(self, rel: str) -> int | None:
        found = self._stat(rel)
        return None if found is None else found[0]

    def _stat(self, rel: str) -> tuple[int, int] | None:
        if rel not in self._stats:
            try:  # os, not pathlib: this runs for every file of every job
                found = os.stat(f"{self._kit_folder}/{rel}")
                self._stats[rel] = (found.st_size, found.st_nlink) if stat.S_ISREG(found.st_mode) else None
            except OSError:
                self._stats[rel] = None
        return self._stats[rel]

    def stat_built(self, paths: Sequence[str]) -> bytes:
        """The stats `is_current` and `site_is_whole` make of these files of outputs/kit, made ahead (in a fork:
        kit/build.py) for `take_stats`: each file's size and link count, -1 and -1 when it is not there (or is not a
        file), as 64-bit integers in the order of `paths`. Packed, they take no time to send back."""
        folder, packed, is_file = self._kit_folder + os.sep, array("q"), stat.S_ISREG
        for rel in paths:
            try:
                found = os.stat(folder + rel)
            except OSError:
                packed += _NOT_THERE
                continue
            packed += array("q", (found.st_size, found.st_nlink)) if is_file(found.st_mode) else _NOT_THERE
        return packed.tobytes()

    def take_stats(self, paths: Sequence[str], packed: bytes) -> None:
        """Stats `stat_built` made of `paths` a moment ago, before this process wrote anything (a file it has
        stated since keeps its own stat)."""
        numbers = array("q")
        numbers.frombytes(packed)
        if len(numbers) != 2 * len(paths):
            return  # not the stats of these paths: state each when asked
        sizes = numbers[0::2]
        taken: dict[str, tuple[int, int] | None] = dict(zip(paths, zip(sizes, numbers[1::2])))  # in C: 92 000 in 10 ms
        if sizes.count(-1):
            taken.update((rel, None) for rel, size in zip(paths, sizes) if size < 0)
        taken.update(self._stats)
        self._stats = taken

    @cached_property
    def _kit_folder(self) -> str:
        return str(self.kit_dir)

    def failed(self, job: Job) -> bool:
        """Whether the job's last render failed (not merely out of date: a build may leave jobs unrendered)."""
        known = self._manifest.index.get(job.key)
        return known is not None and bool(known[1])

    def result(self, job: Job) -> BuiltJob | None:
        """The job's last render as the store recorded it, files that are on disk only; None if never built.
        Sizes come from the files, checksums from the record (the writer hashed the bytes it wrote)."""
        entry = self._manifest.entry(job.key)
        if entry is None:
            return None
        files = tuple(BuiltFile(path=rel, location=location, sha256=digest, size=size)
                      for rel, location, digest, size in self._files(job, entry))
        return BuiltJob(key=job.key, input_hash=entry.get("hash", ""), files=files,
                        warnings=tuple(entry.get("warnings", ())), error=entry.get("error", ""))

    def built_files(self, job: Job) -> list[tuple[str, str, str, int]]:
        """`result(job).files` as (path, location, sha256, size): what the site's catalog asks of every job, without
        the objects (a tenth of a second of every site stage at 300 messages)."""
        entry = self._manifest.entry(job.key)
        return [] if entry is None else self._files(job, entry)

    def _files(self, job: Job, entry: dict) -> list[tuple[str, str, str, int]]:
        known, folder, files = entry.get("sha256", {}), self._kit_folder, []
        for rel in entry.get("outputs", job.outputs):
            size = self._size(rel)
            if size is None:
                continue  # a new job that failed has no files yet
            location = f"{folder}/{rel}"
            files.append((rel, location, known.get(rel) or hashlib.sha256(Path(location).read_bytes()).hexdigest(), size))
        return files

    def errors(self) -> dict[str, str]:
        """Job key -> error, for every job whose last render failed."""
        return {key: error for key, (_hash, error) in sorted(self._manifest.index.items()) if error}

    def read_all(self) -> None:
        """Read every job's entry at once: for a stage that asks `result` of every job (one query, not 37 000)."""
        self._manifest.load_all()

    def save(self, result: JobResult) -> None:
        """Write a job's artifacts; a failed job keeps its previous files and is retried next build."""
        job = result.job
        if result.error:
            entry = {**(self._manifest.entry(job.key) or {"outputs": list(job.outputs)}), "error": result.error}
            self._record(job.key, entry)
            return
        if not self._writing:
            self.out.mkdir(parents=True, exist_ok=True)
            (self.out / WRITING).touch()
            self._writing = True
        for artifact in result.artifacts:
            write_atomic(self._inside(artifact), artifact.data)
            self._stats[artifact.path] = (len(artifact.data), 1)  # a new file: its site links are not made yet
        self._record(job.key, {"hash": job.input_hash, "outputs": list(job.outputs),
                               "params": dict(job.params), "members": list(job.members),
                               "warnings": list(result.warnings),
                               "sha256": {a.path: hashlib.sha256(a.data).hexdigest() for a in result.artifacts}})

    def _record(self, key: str, entry: dict) -> None:
        """Note a finished job at once, after its files are in place: its row, in a transaction of its own (a kill
        loses at most that job, which is then rendered again)."""
        self._manifest.put(key, entry)

    def _inside(self, artifact: Artifact) -> Path:
        path = (self.kit_dir / artifact.path).resolve()
        if not path.is_relative_to(self.kit_dir.resolve()):
            raise ValueError(f"artifact path escapes outputs/kit: {artifact.path}")
        return path

    def forget_gone(self, jobs: list[Job], planned_kinds: Collection[str], languages: Collection[str],
                    messages: Collection[str]) -> list[str]:
        """Remove the files of what no longer exists, and nothing else. A kind planned this build was planned in
        full (every message, language and variant, whatever subset was rendered): a job of its not planned is
        gone (a deleted or withdrawn message, a dropped language, variant or issue). Of a kind this build's
        registry does not know (a smaller registry through the API), a job goes only with its language or with
        every one of its messages; `messages` are the ids that still build."""
        planned = {job.key for job in jobs}

        def gone(key: str) -> bool:
            kind, message_id, lang, variant = key.split("/", 3)
            if kind in planned_kinds:
                return key not in planned
            members = tuple((self._manifest.entry(key) or {}).get("members") or ())
            sources = Job(kind, message_id, lang, variant, (), members=members).sources
            return lang not in languages or (bool(sources) and not any(m in messages for m in sources))

        removed = []
        keys = [key for key in self._manifest.index if gone(key)]
        for key in keys:
            for rel in (self._manifest.entry(key) or {}).get("outputs", []):
                (self.kit_dir / rel).unlink(missing_ok=True)
                self._stats[rel] = None
                removed.append(rel)
        self._manifest.remove(keys)
        return removed

    def built_jobs(self, skip_kinds: Collection[str]) -> list[Job]:
        """The jobs of other kinds as they were last built (with the hash they were built from), so the site
        stage of a build with a smaller registry still sees them. Entries of an older kit carry no params:
        their files then count as for every municipality until the kind is built again."""
        jobs = []
        for key in sorted(self._manifest.index):
            kind, message_id, lang, variant = key.split("/", 3)
            if kind not in skip_kinds:
                entry = self._manifest.entry(key) or {}
                jobs.append(Job(kind=kind, message_id=message_id, lang=lang, variant=variant,
                                outputs=tuple(entry.get("outputs", ())), params=dict(entry.get("params", {})),
                                input_hash=entry.get("hash", ""), members=tuple(entry.get("members", ()))))
        return jobs

    def write_file(self, rel: str, data: bytes) -> bool:
        """Write any other file under outputs/ (review sheet, site); refuses paths that leave it."""
        path = (self.out / rel).resolve()
        if not path.is_relative_to(self.out.resolve()):
            raise ValueError(f"path escapes {self.out}: {rel}")
        return write_atomic(path, data)

    def remove_file(self, rel: str) -> None:
        """Remove a file under outputs/ (state no longer wanted), if it is there; refuses paths that leave it."""
        path = (self.out / rel).resolve()
        if not path.is_relative_to(self.out.resolve()):
            raise ValueError(f"path escapes {self.out}: {rel}")
        path.unlink(missing_ok=True)

    def write_stream(self, rel: str, write: Callable[[BinaryIO], None]) -> None:
        """Write a file under outputs/ that `write` produces into a (seekable) handle, a piece at a time, so a
        large file (a bundle) never has to be in memory whole; through a temp file and os.replace, like
        `write_file`."""
        path = (self.out / rel).resolve()
        if not path.is_relative_to(self.out.resolve()):
            raise ValueError(f"path escapes {self.out}: {rel}")
        fd, tmp = _temp_file(path)
        try:
            with os.fdopen(fd, "w+b") as handle:
                write(handle)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read_json(self, rel: str):
        """A JSON file under outputs/ (state), or None when it is missing or unreadable."""
        try:
            return json.loads((self.out / rel).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def read_bytes(self, rel: str) -> bytes | None:
        """A file under outputs/ (state), or None when it is missing."""
        try:
            return (self.out / rel).read_bytes()
        except OSError:
            return None

    def read_memo(self, rel: str):
        """What a previous build kept for the next one (state/*.pickle), or None when it is missing or was written
        by a kit whose classes differ: a memo is only ever a shortcut, never the truth."""
        try:
            return pickle.loads((self.out / rel).read_bytes())
        except Exception:  # noqa: BLE001 - unpickling a stale memo can raise nearly anything; all mean "none"
            return None

    def write_memo(self, rel: str, value) -> None:
        self.write_file(rel, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def published_file(self, rel: str, size: int, sha256: str) -> Path | None:
        """The file at outputs/site/<rel> if it still holds exactly these bytes, else None."""
        path = self.out / "site" / rel
        if not path.resolve().is_relative_to((self.out / "site").resolve()):
            return None
        try:
            if path.stat().st_size != size:
                return None
            with path.open("rb") as handle:
                return path if hashlib.file_digest(handle, "sha256").hexdigest() == sha256 else None
        except OSError:
            return None

    def sync_site(self, generated: dict[str, bytes], links: Mapping[str, str | Path], kept: set[str],
                  made: Mapping[str, Made] | None = None) -> None:
        """Make outputs/site exactly: the generated files, the `made` pages (each made only when its key differs
        from the one it was last made with, or its file is gone), hard links to built files, and `kept` files;
        everything else there is removed. What to remove comes from the list of files the last sync left
        (SITE_FILES), not from walking the site (130 000 files at 1 000 messages). The list is cleared before
        anything is written, so a sync killed midway leaves none; without one (a first build, an older kit, a
        killed sync) the site is walked."""
        site = self.out / "site"
        made = made or {}
        wanted = set(generated) | set(made) | set(links) | kept
        record = self._site_record()
        listed = None if record is None else set(record["files"])
        self._save_site_files(None)  # a sync killed from here on leaves no complete list: the next one walks the site
        for rel, data in generated.items():
            self.write_file(f"site/{rel}", data)
        self._make_pages(made, trusted=listed is not None)
        built, still_linked = self._still_linked(links, listed or set(), (record or {}).get("linked"))
        touched = set()
        for rel, source in links.items():
            if rel not in still_linked:
                link_atomic(source, site / rel)
                touched.add(rel)
        removed = self._remove_unwanted(wanted, listed)
        changed = {_linked_path(rel) for rel in touched | removed}  # built files whose link counts may have moved
        counts, counted = self._hard_links(built, changed if listed is not None else None)
        self._save_site_files({"files": wanted, "linked": {"counts": counts, "checked": wanted - counted}})

    def _remove_unwanted(self, wanted: set[str], listed: set[str] | None) -> set[str]:
        """Remove from outputs/site what is not wanted, and the folders left empty; the listed files removed. Without
        a list (`listed` None) the site is walked, and strays go too."""
        site = self.out / "site"
        if listed is None:
            for path in sorted(site.rglob("*"), reverse=True):
                rel = path.relative_to(site).as_posix()
                if path.is_file() and rel not in wanted:
                    path.unlink()
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
            return set()
        folders: set[Path] = set()
        removed = listed - wanted
        for rel in sorted(removed):
            (site / rel).unlink(missing_ok=True)
            folders.update((site / rel).parents)
        for folder in sorted((f for f in folders if f.is_relative_to(site) and f != site), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return removed

    def _make_pages(self, made: Mapping[str, Made], trusted: bool) -> None:
        """Each page is written as it is made, so no build holds the whole site in memory. The keys are saved
        only after every page is on disk: a sync killed midway leaves old keys, and those pages are made again.
        `trusted`: the last sync finished (its keys describe the pages on disk)."""
        previous = (self.read_json(PAGE_KEYS) or {}) if trusted else {}
        self.write_file(PAGE_KEYS, b"{}")
        for rel, page in made.items():
            if previous.get(rel) != page.key or not (self.out / "site" / rel).is_file():
                self.write_file(f"site/{rel}", page.make())
        keys = {rel: page.key for rel, page in sorted(made.items())}
        self.write_file(PAGE_KEYS, state_json(keys))

    def digest(self) -> str:
        """Changes whenever the manifest does (what was built, from what, with which checksums, warnings, errors)."""
        return self._manifest.digest()

    def site_is_whole(self) -> bool:
        """The last site sync finished, every file it left is still there, and the review sheet. A download that is
        a hard link to a built file is known by that file's link count, from the stat `is_current` made (one
        site link gone, and the count is one less); every other file by a stat of its own. At 1 000 messages
        that is 5 000 stats instead of 190 000."""
        linked = self._site_links()
        if linked is None or not (self.out / "review" / "index.html").is_file():
            return False
        site = str(self.out / "site")
        if not all(os.path.isfile(os.path.join(site, rel)) for rel in linked["checked"]):
            return False
        stats = self._stats
        for built, count in linked["counts"].items():  # a loop, not all() over a generator: 92 000 files
            known = stats[built] if built in stats else self._stat(built)
            if known is None or known[1] != count:
                return False
        return True

    def _still_linked(self, links: Mapping[str, str | Path], listed: set[str],
                      linked: dict | None) -> tuple[dict[str, str | None], set[str]]:
        """The built file each site file links to (None: not in outputs/kit), and the site files that are still the
        hard links the last sync left to the same built files, so need no two stats each (260 000 at 1 000
        messages). A built file rewritten since is a new file with one link; an old one whose link count is what
        the last sync counted has lost and gained no site link. One loop over the 190 000 links: a dict and a set
        comprehension over them took half a second."""
        checked, counts = (linked["checked"], linked["counts"]) if linked else (set(), {})
        folder = self._kit_folder + os.sep
        start, stats = len(folder), self._stats
        built: dict[str, str | None] = {}
        still: set[str] = set()
        for rel, source in links.items():
            text = source if isinstance(source, str) else str(source)
            path = text[start:] if text.startswith(folder) else None  # by string: pathlib was a second here
            built[rel] = path
            if path is None or rel not in listed or rel in checked or path not in counts:
                continue
            known = stats[path] if path in stats else self._stat(path)
            if known is not None and known[1] == counts[path] and _linked_path(rel) == path:
                still.add(rel)
        return built, still

    def _hard_links(self, built: Mapping[str, str | None], changed: set[str] | None = None) -> tuple[dict[str, int], set[str]]:
        """The built files the site links to, with their link counts now, and the site files those counts stand
        for. A site copied where hard links cannot go (count 1) is checked file by file. `built`: site path ->
        the built file it links to; `changed`: the built files whose links this sync made or removed (None: any);
        the others keep the counts they had before it."""
        counts: dict[str, int] = {}
        sites = set()
        for rel, path in built.items():
            if path is None:
                continue
            if path not in counts:
                if changed is None or path in changed:
                    self._stats.pop(path, None)  # its count changed with the links just made or removed
                counts[path] = (self._stat(path) or (0, 0))[1]
            if counts[path] > 1:
                sites.add(rel)
        return {path: count for path, count in counts.items() if count > 1}, sites

    def _site_record(self) -> dict | None:
        """What the last site sync left, if it finished (and the site is still there): {"files": set of site
        paths, "linked": `_site_links()`}."""
        linked = self._site_links()
        listed = None if linked is None else self.read_memo(SITE_FILES)
        return {"files": listed, "linked": linked} if isinstance(listed, set) else None

    def _site_links(self) -> dict | None:
        """{"counts": built path -> link count, "checked": set of site paths not counted}, if the last sync
        finished (and the site is still there): all `site_is_whole` reads, without the 190 000 names of the files."""
        linked = self.read_memo(SITE_LINKS)
        return linked if isinstance(linked, dict) and (self.out / "site").is_dir() else None

    def _save_site_files(self, record: dict | None) -> None:
        """The record of a finished sync, or None as a sync begins. The links are written last and cleared first:
        there, they say the sync finished."""
        if record is None:
            self.write_memo(SITE_LINKS, None)
            self.write_memo(SITE_FILES, None)
        else:
            self.write_memo(SITE_FILES, record["files"])
            self.write_memo(SITE_LINKS, record["linked"])
        (self.out / OLD_SITE_FILES).unlink(missing_ok=True)

    def commit(self) -> None:
        """The end of a build's writing: remove the temp files an interrupted build may have left (the manifest
        holds every job since it finished: nothing to write)."""
        # outputs/kit is walked for a killed write's temp files only when a process that wrote there was killed
        # (it left the WRITING mark, or an older kit its journal): the walk meets every built file, 1.5 s at 1 000 messages, and
        # this process's own writes leave none (write_atomic removes its temp file on any exception).
        sweep = [(self.out, ".*.tmp"), (self.out / "review", ".*.tmp")]
        if self._interrupted:
            sweep.append((self.kit_dir, "**/.*.tmp"))
        for folder, pattern in sweep:
            for leftover in folder.glob(pattern):
                leftover.unlink(missing_ok=True)
        (self.out / WRITING).unlink(missing_ok=True)
