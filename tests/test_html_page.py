"""paper_figures/index.html opened in a real headless Chromium: every figure renders and the
claims section is there. Needs the Debian package `chromium` (CI installs it: .ci/run)."""
import re
import subprocess
from pathlib import Path

import pytest

from synthlens.stages import report
from test_report import make_params, write_metrics

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is absent: apt-get install chromium")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("html")
    params = make_params()
    write_metrics(tmp / "metrics", params, diversity_std=0.01)  # claims 1, 5 decidable
    manifest = report.run(params, tmp / "paper_figures", tmp / "metrics")
    return tmp, manifest


def dump_dom(html: Path, profile_dir: Path) -> str:
    """The DOM after the load event (the page's script has run), as Chromium serialises it."""
    result = subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile_dir}", "--dump-dom",
         html.resolve().as_uri()], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def body_counts(dom: str) -> tuple[int, int]:
    body = re.search(r"<body[^>]*>", dom).group(0)
    loaded = re.search(r'data-images-loaded="(\d+)"', body)
    total = re.search(r'data-images-total="(\d+)"', body)
    assert loaded and total, f"the page's load script did not run: {body}"
    return int(loaded.group(1)), int(total.group(1))


def test_every_figure_renders_and_claims_are_shown(page, tmp_path):
    out, manifest = page[0] / "paper_figures", page[1]
    dom = dump_dom(out / "index.html", tmp_path / "chromium")
    loaded, total = body_counts(dom)
    figures = [a for a in manifest.artefacts if a.kind == "figure"]
    # Figure 2, 2 domains x 3, Appendix D, the two heat maps beyond the paper, the prompt
    # sensitivity and learning curves beyond the grid (issue 10)
    assert total == len(figures) == 3 + 3 * 2 + 4 + 2 + 2
    assert loaded == total
    assert 'id="claims"' in dom
    for n in range(1, 7):
        assert f'id="claim-{n}"' in dom
    assert "PASS" in dom and "FAIL" in dom and "NOT RUN" in dom
    for section in ("table2_models", "table_per_domain", "table5_prompts", "table9_reference",
                    "table_fewshot", "table_correlations", "table_robustness",
                    "table_robustness_verdicts", "table_leakage", "table_per_label",
                    "table_templates", "table_contamination", "table_learning_curves",
                    "table_human_labels", "provenance_files"):
        assert f'id="{section}"' in dom, section
    assert '<div id="broken"></div>' in dom   # the banner for failed images stays empty


def test_a_missing_figure_is_detected(page, tmp_path):
    """The check is real: a page whose image file is gone reports one image fewer."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(page[0] / "paper_figures", copy)
    (copy / "figure2_diversity_vs_conformity.png").unlink()
    dom = dump_dom(copy / "index.html", tmp_path / "chromium")
    loaded, total = body_counts(dom)
    assert loaded == total - 1
    assert re.search(r'<div id="broken"[^>]*>1 of \d+ figures did not load', dom)
