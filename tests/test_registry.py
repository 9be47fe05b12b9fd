"""Meta-tests: renderers register like extensions, and none ships without a test and documentation."""
import sys
from pathlib import Path

import pytest

from kit.render import Registry, builtin_registry
from kit.render.social import RENDERER as SOCIAL

ROOT = Path(__file__).resolve().parent.parent
TESTS = {"social": "test_social.py", "poster": "test_poster.py", "newsletter": "test_documents.py",
         "press": "test_documents.py"}


def test_the_registry_refuses_a_duplicate_name():
    registry = Registry()
    registry.register(SOCIAL)
    with pytest.raises(ValueError, match="a renderer named 'social' is already registered"):
        registry.register(SOCIAL)


@pytest.mark.parametrize("renderer", list(builtin_registry()), ids=lambda r: r.name)
def test_every_renderer_has_tests_and_documentation(renderer):
    test_file = ROOT / "tests" / TESTS.get(renderer.name, f"test_{renderer.name}.py")
    assert test_file.is_file(), f"renderer '{renderer.name}' has no test file"
    assert f"kit.render.{renderer.name}" in test_file.read_text() or f"render.{renderer.name} import" in test_file.read_text()
    assert f"`{renderer.name}`" in (ROOT / "README.md").read_text(), f"README says nothing of renderer '{renderer.name}'"
    assert sys.modules[renderer.render.__module__].__doc__, "a renderer module says what it makes in its docstring"
