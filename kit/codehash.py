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


@lru_cache(maxsize=None)
def kit_closure(modules: tuple[str, ...]) -> tuple[tuple[str, Path], ...]:
    """(module name, source file) of these modules and every module of kit or of their own packages they import,
    transitively, with the packages' __init__ files."""
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
    libraries behind them."""
    top_level = {top for name, _path in kit_closure(modules) for top in _imports(name, _ours(modules))[1]}
    dists = _with_requirements({dist for top in top_level for dist in _distributions(top)})
    versions = {dist: library_version(dist) for dist in sorted(dists)}
    for dist in sorted(dists):
        for name, soname, function in SYSTEM_LIBRARIES.get(dist, ()):
            versions[name] = system_library_version(name, soname, function)
    return tuple((name, version) for name, version in versions.items() if version)


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
