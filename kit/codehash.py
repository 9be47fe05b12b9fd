"""The code a renderer's output depends on: every module of kit it imports, directly or not (and of the package
a renderer defined outside kit comes from), and the versions of the libraries that draw the bytes (and of the
system libraries WeasyPrint lays text out with).

Read from the import statements (the AST) and the installed distributions' metadata, never by importing: a
rebuild with nothing to do must not load WeasyPrint. Computed once per process, except the hashing of the
sources, which is cheap.
"""
from __future__ import annotations

import ast
import ctypes
import ctypes.util
import hashlib
import importlib.util
import re
import sys
from collections.abc import Mapping
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from kit.filecache import Kept, file_version

# System libraries behind a distribution, read through their own version functions (a cheap dlopen, no import):
# a new pango breaks lines differently, and no Python package version says so.
SYSTEM_LIBRARIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "weasyprint": (("pango-1.0", "libpango-1.0.so.0", "pango_version_string"),
                   ("harfbuzz", "libharfbuzz.so.0", "hb_version_string")),
}


def code_hash(modules: tuple[str, ...]) -> str:
    """Hash of the source of these modules' kit import closure and of the library versions it depends on."""
    digest = hashlib.sha256()
    for name, path in kit_closure(modules):
        digest.update(f"{name}\n".encode())
        digest.update(path.read_bytes())
    for name, version in library_versions(modules):
        digest.update(f"{name}=={version}\n".encode())
    return digest.hexdigest()


# What an earlier process found of each module set: its closure and its distributions' versions, by the module set
# and the environment they were found in. Finding them reads the AST of every module and the metadata of every
# installed distribution: a fifth of a second, a third of a rebuild with nothing to do (kept by kit/found.py).
FOUND = Kept()


def forget() -> None:
    """Everything found in this process and kept from others (a test pretending an upgrade)."""
    FOUND.clear()
    for cached in (kit_closure, library_versions, environment, _imports, _providers):
        cached.cache_clear()


def _found(modules: tuple[str, ...]) -> tuple[tuple[tuple[str, Path], ...], tuple[tuple[str, str], ...]]:
    """(closure, versions of the Python distributions it uses), kept or found now."""
    def find():
        closure = _closure(modules)
        return closure, _distribution_versions(closure, _ours(modules))
    return FOUND.get((modules, environment(_ours(modules))), find)


@lru_cache(maxsize=None)
def environment(ours: tuple[str, ...]) -> tuple:
    """What closures and distribution versions follow from: this Python, every file of the packages followed (an
    import added or a module created), and every folder on the import path (installing, upgrading or removing a
    distribution adds or removes its `.dist-info` folder there, which changes the folder's version). Once per
    process, as the other caches here."""
    files = []
    for package in ours:
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.origin and spec.origin.endswith(".py") and not spec.submodule_search_locations:
            files.append((spec.origin, file_version(spec.origin)))  # a plug-in that is one module
        for folder in (spec.submodule_search_locations or []) if spec else []:
            files += [(p.as_posix(), file_version(p)) for p in Path(folder).rglob("*.py") if "__pycache__" not in p.parts]
    folders: list[tuple[str, tuple | None]] = []
    for entry in sys.path:
        try:
            folders.append((entry, file_version(entry or ".")))
        except OSError:
            folders.append((entry, None))
    return sys.version, tuple(sorted(files)), tuple(folders)


@lru_cache(maxsize=None)
def kit_closure(modules: tuple[str, ...]) -> tuple[tuple[str, Path], ...]:
    """(module name, source file) of these modules and every module of kit or of their own packages they import,
    transitively, with the packages' __init__ files."""
    return _found(modules)[0]


def _closure(modules: tuple[str, ...]) -> tuple[tuple[str, Path], ...]:
    ours = _ours(modules)
    seen: dict[str, Path] = {}
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in seen or name.split(".")[0] not in ours:
            continue
        origin = _source(name)
        if origin is None:
            continue
        seen[name] = origin
        todo.extend(_imports(name, ours)[0])
        todo.extend(name.rsplit(".", i)[0] for i in range(1, name.count(".") + 1))  # importing runs each __init__
    return tuple(sorted(seen.items()))


@lru_cache(maxsize=None)
def library_versions(modules: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(distribution, version) of every library the closure imports, with what those require, plus the system
    libraries behind them (asked each process: a system upgrade changes no Python folder)."""
    versions = dict(_found(modules)[1])
    for dist in sorted(versions):
        for name, soname, function in SYSTEM_LIBRARIES.get(dist, ()):
            versions[name] = system_library_version(name, soname, function)
    return tuple((name, version) for name, version in versions.items() if version)


def _distribution_versions(closure: tuple[tuple[str, Path], ...], ours: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    top_level = {top for name, _path in closure for top in _imports(name, ours)[1]}
    dists = _with_requirements({dist for top in top_level for dist in _distributions(top)})
    return tuple((dist, library_version(dist)) for dist in sorted(dists))


@lru_cache(maxsize=None)
def library_version(dist: str) -> str:
    """An installed distribution's version from its metadata (does not import it); "" when not installed."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return ""


@lru_cache(maxsize=None)
def system_library_version(name: str, soname: str, function: str) -> str:
    """The version a C library reports of itself, "" when it cannot be loaded (the renderer says so itself)."""
    try:
        try:
            library = ctypes.CDLL(soname)
        except OSError:
            found = ctypes.util.find_library(name)
            if not found:
                return ""
            library = ctypes.CDLL(found)
        report = getattr(library, function)
        report.restype = ctypes.c_char_p
        return report().decode()
    except (OSError, AttributeError, UnicodeDecodeError):
        return ""


def _distributions(top_level: str) -> tuple[str, ...]:
    """The distributions that install an import name; none for the standard library. Most are named as they
    import, the others are looked up (reading every installed distribution's file list takes a while)."""
    if top_level in sys.stdlib_module_names:
        return ()
    if library_version(top_level):
        return (_normal(top_level),)
    return tuple(_normal(dist) for dist in _providers().get(top_level, ()))


@lru_cache(maxsize=1)
def _providers() -> Mapping[str, list[str]]:
    return metadata.packages_distributions()


def _with_requirements(dists: set[str]) -> set[str]:
    """The distributions and, transitively, what they require to be installed (extras left out)."""
    todo, seen = list(dists), set()
    while todo:
        dist = todo.pop()
        if dist in seen:
            continue
        seen.add(dist)
        try:
            requires = metadata.requires(dist) or []
        except metadata.PackageNotFoundError:
            continue
        for requirement in requires:
            if "extra" not in requirement.partition(";")[2]:
                match = re.match(r"[A-Za-z0-9._-]+", requirement)
                if match:
                    todo.append(_normal(match.group()))
    return seen


def _normal(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


def _ours(modules: tuple[str, ...]) -> tuple[str, ...]:
    """The top-level packages whose code is followed: kit, and a plug-in renderer's own."""
    return tuple(sorted({"kit", *(name.split(".")[0] for name in modules)}))


def _source(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)  # imports the parent packages only, never the module itself
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _is_package(name: str) -> bool:
    origin = _source(name)
    return origin is not None and origin.name == "__init__.py"


@lru_cache(maxsize=None)
def _imports(name: str, ours: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(modules of our packages, other top-level names) a module's import statements name, anywhere in it (lazy
    imports inside functions count: they shape the output just the same)."""
    origin = _source(name)
    if origin is None:
        return (), ()
    package = name if origin.name == "__init__.py" else name.rpartition(".")[0]
    own: set[str] = set()
    other: set[str] = set()
    for node in ast.walk(ast.parse(origin.read_bytes(), filename=str(origin))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            targets = [base]
            # `from kit.render import slides` names a module (only ours are looked into: looking for a
            # submodule imports the package, and WeasyPrint must not load on a rebuild with nothing to do)
            if base.split(".")[0] in ours and _is_package(base):
                targets += [f"{base}.{alias.name}" for alias in node.names if _source(f"{base}.{alias.name}")]
        else:
            continue
        for target in targets:
            top = target.split(".")[0]
            if top in ours:
                own.add(target)
            elif top:
                other.add(top)
    return tuple(sorted(own)), tuple(sorted(other))
