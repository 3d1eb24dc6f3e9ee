"""Open the report in headless Chromium: no script errors, every image decodes, and the
embedded CJK font loads.

Chromium is not a Python dependency. The test uses it when installed; as root with
``GOVSIM_INSTALL_CHROMIUM=1`` it installs it with apt-get first; otherwise it is skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis.report import build_report
from analysis.synthetic import DEFAULT_POLICIES, write_synthetic_outputs

_PROBE = """<script>
window.addEventListener("error", () => document.body.setAttribute("data-js-errors", "yes"));
window.addEventListener("load", async () => {
  await document.fonts.ready;
  const images = Array.from(document.images);
  const decoded = images.every(i => i.complete && i.naturalWidth > 0 && i.naturalHeight > 0);
  document.body.setAttribute("data-images-ok", images.length && decoded ? "yes" : "no");
  document.body.setAttribute("data-image-count", String(images.length));
  const cjk = document.fonts.check("16px GovsimCJK", "结论");
  document.body.setAttribute("data-cjk-font", cjk ? "yes" : "no");
  console.log("govsim-probe-done");
});
</script>"""

_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000")


def _chromium() -> str:
    """Path of a Chromium binary, installing it when allowed, else skip the test."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.geteuid() == 0 and os.environ.get("GOVSIM_INSTALL_CHROMIUM") == "1":
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], capture_output=True, env=env, timeout=600,
                       check=False)
        subprocess.run(["apt-get", "install", "-y", "chromium"], capture_output=True, env=env,
                       timeout=900, check=False)
        found = shutil.which("chromium")
        if found:
            return found
    pytest.skip("headless-browser check needs Chromium: install it (apt-get install chromium) "
                "or run as root with GOVSIM_INSTALL_CHROMIUM=1 to let the test install it")


def test_report_opens_in_headless_chromium(tmp_path: Path) -> None:
    chromium = _chromium()
    out = write_synthetic_outputs(tmp_path / "out", policies=DEFAULT_POLICIES[:2],
                                  replications=3, days=5, cases_per_day=20, n_grids=6)
    report = build_report(out, lang="zh", n_boot=50)
    document = report.read_text(encoding="utf-8")
    expected_images = document.count("<img")
    probe = tmp_path / "probe.html"
    probe.write_text(document.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    result = subprocess.run(
        [chromium, *_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         probe.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    body = re.search(r"<body[^>]*>", result.stdout)
    assert body is not None, result.stderr[-2000:]
    attributes = dict(re.findall(r'(data-[a-z-]+)="([^"]*)"', body.group(0)))
    assert attributes.get("data-images-ok") == "yes", attributes
    assert attributes.get("data-image-count") == str(expected_images)
    assert attributes.get("data-cjk-font") == "yes"
    assert "data-js-errors" not in attributes
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line]
    assert all("govsim-probe-done" in line for line in console), console
