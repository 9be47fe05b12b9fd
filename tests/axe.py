"""axe-core (pinned by tests/package-lock.json, installed by `npm ci`) run inside Debian's Chromium via chromedriver.

    with Browser(tmp_path) as browser:
        violations = browser.audit(page)      # [] when the page passes every WCAG 2.x A/AA rule axe checks
"""
from __future__ import annotations

import base64
from pathlib import Path

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
RULE_SETS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


class Browser:
    """One headless Chromium for many pages; a fresh profile in tmp so no state leaks between runs."""

    def __init__(self, tmp: Path, width: int = 1280, height: int = 900):
        self.tmp, self.width, self.height = tmp, width, height

    def __enter__(self) -> Browser:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in CHROMIUM_FLAGS + [f"--user-data-dir={self.tmp / 'chromium-profile'}",
                                      f"--window-size={self.width},{self.height}"]:
            options.add_argument(flag)
        self.driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
        self.driver.set_script_timeout(120)
        self.axe = AXE.read_text(encoding="utf-8")
        return self

    def __exit__(self, *exc) -> None:
        self.driver.quit()

    def audit(self, page: Path) -> list[dict]:
        self.driver.get(page.resolve().as_uri())
        self.driver.execute_script(self.axe)
        result = self.driver.execute_async_script(
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
            ".then(r => arguments[1](r.violations), e => arguments[1]({error: String(e)}))", RULE_SETS)
        assert not isinstance(result, dict), f"axe failed on {page}: {result}"
        return result

    def screenshot(self, page: Path, target: Path, width: int) -> Path:
        """The whole page as a phone or desktop of that width shows it (Chromium's device emulation)."""
        self.driver.get(page.resolve().as_uri())
        metrics = {"width": width, "height": self.height, "deviceScaleFactor": 1, "mobile": width < 600}
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": min(height, 8000)})
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        target.write_bytes(base64.b64decode(shot["data"]))
        return target


    def loaded_fonts(self, page: Path) -> set[str]:
        """The font faces the page actually loaded, as "family weight"."""
        self.driver.get(page.resolve().as_uri())
        return set(self.driver.execute_async_script(
            "document.fonts.ready.then(fs => arguments[0]([...fs].filter(f => f.status === 'loaded')"
            ".map(f => f.family.replaceAll('\"', '') + ' ' + f.weight)))"))

    def overflow(self, page: Path, width: int) -> int:
        """How far the page scrolls sideways on a screen that wide (0 or less: it fits)."""
        self.driver.get(page.resolve().as_uri())
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                    {"width": width, "height": self.height, "deviceScaleFactor": 1, "mobile": width < 600})
        try:
            return self.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def report(violations: dict[str, list[dict]]) -> str:
    """Each violation's page, rule id, impact and the nodes it hit, for the failure message."""
    lines = []
    for page, found in violations.items():
        for v in found:
            lines.append(f"{page}: {v['id']} ({v['impact']}): {v['help']}")
            for node in v["nodes"][:8]:
                lines.append(f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)
