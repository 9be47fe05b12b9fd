import pytest

from kit.config import load_settings
from kit.errors import ConfigError


def test_settings_read_from_pyproject(project):
    settings = project.settings
    assert settings.languages == ("et", "en")  # the test project narrows them
    assert settings.site_url.endswith("/")


def test_unknown_setting_suggests_the_right_one(project):
    with pytest.raises(ConfigError) as err:
        load_settings(project.root, {"langauges": ["et"]})
    assert str(err.value) == "pyproject.toml: tool.kit.langauges: unknown setting (did you mean 'languages'?)"


def test_every_bad_setting_is_reported_at_once(project):
    with pytest.raises(ConfigError) as err:
        load_settings(project.root, {"site_url": "ftp://x", "feed_entries": 0, "default_timezone": "Mars/Base"})
    assert str(err.value).splitlines() == [
        "pyproject.toml: tool.kit.site_url: must be an absolute http(s) URL",
        "pyproject.toml: tool.kit.default_timezone: unknown time zone 'Mars/Base'",
        "pyproject.toml: tool.kit.feed_entries: must be a whole number above 0",
    ]
