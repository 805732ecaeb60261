"""make compare: every number of the committed results against this run, within
max(absolute, relative x |value|); a refusal where nothing was reproduced."""
import subprocess
import sys

import pytest

from conftest import ROOT
from synthlens.report.compare import allowed, compare_results, format_report

TOL = {"absolute": 0.005, "relative": 0.05, "keys": {"mauve": {"absolute": 0.02,
                                                              "relative": 0.0}}}
PATH = "data/metrics/gpt2-mini/reviews/t1_0.json"


def metrics(**overrides):
    base = {"diversity": 0.3, "mauve": 0.8, "faithfulness": 0.7, "complexity": 0.2,
            "performance": 0.75, "faithfulness_by_label": [0.6, 0.8],
            "info": {"model": "gpt2-mini", "temperature": 1.0},
            "provenance": {"params_sha256": "abc", "git_commit": "1234"}}
    return {**base, **overrides}


def test_identical_runs_reproduce_and_every_number_is_counted():
    verdicts, skipped = compare_results({PATH: metrics()}, {PATH: metrics()}, TOL)
    assert [v.ok for v in verdicts] == [True]
    # 5 characteristics + 2 per-label values + the temperature: 8 numbers, by hand
    assert verdicts[0].compared == 8
    assert skipped == {"model", "params_sha256", "git_commit"}
    report = format_report(verdicts, skipped, "HEAD")
    assert "results reproduced: yes" in report and "(8 numbers compared)" in report
    assert "not compared (not numbers): git_commit, model, params_sha256" in report


def test_tolerance_is_the_larger_of_absolute_and_relative():
    assert allowed(0.7, "faithfulness", TOL) == pytest.approx(0.035)   # 5 % of 0.7
    assert allowed(0.01, "diversity", TOL) == pytest.approx(0.005)     # the absolute floor
    assert allowed(0.8, "mauve", TOL) == pytest.approx(0.02)           # the per-key override
    assert allowed(0.3, "faithfulness_by_label[1]", TOL) == pytest.approx(0.015)


def test_a_small_value_moving_five_fold_is_not_reproduced():
    """The old absolute MAUVE tolerance (0.05) let 0.006 -> 0.03 pass."""
    small = {"absolute": 0.005, "relative": 0.05, "keys": {}}
    verdicts, _ = compare_results({PATH: metrics(mauve=0.006)}, {PATH: metrics(mauve=0.03)},
                                  small)
    assert not verdicts[0].ok
    assert verdicts[0].problems[0].startswith("mauve: 0.006 -> 0.03")


def test_nested_numbers_are_compared_too():
    moved = metrics(faithfulness_by_label=[0.6, 0.9])
    verdicts, _ = compare_results({PATH: metrics()}, {PATH: moved}, TOL)
    assert not verdicts[0].ok and "faithfulness_by_label[1]" in verdicts[0].problems[0]
    inside = metrics(faithfulness=0.73)  # within 5 % of 0.7
    assert compare_results({PATH: metrics()}, {PATH: inside}, TOL)[0][0].ok


def test_nan_on_both_sides_agrees_on_one_side_differs():
    both, _ = compare_results({PATH: metrics(diversity=None)}, {PATH: metrics(diversity=None)},
                              TOL)
    assert both[0].ok
    one, _ = compare_results({PATH: metrics(diversity=None)}, {PATH: metrics()}, TOL)
    assert not one[0].ok


def test_missing_file_and_missing_key_are_reported():
    other = "data/probe/gpt2-mini.json"
    short = metrics()
    del short["complexity"]
    verdicts = {v.file: v for v in compare_results(
        {PATH: metrics(), other: {"reviews": {"zero_shot_accuracy": 0.5}}}, {PATH: short},
        TOL)[0]}
    assert verdicts[other].problems == ("not computed in this run",)
    assert "complexity: only in the committed file" in verdicts[PATH].problems
    assert "results reproduced: no" in format_report(list(verdicts.values()), set(), "HEAD")


def test_fresh_clone_refuses_to_say_reproduced(tmp_path):
    """In a fresh clone nothing was computed: make compare must not compare the committed
    metrics with themselves."""
    subprocess.run(["git", "clone", "-q", str(ROOT), str(tmp_path / "clone")], check=True)
    out = subprocess.run([sys.executable, "-m", "synthlens", "compare"], cwd=tmp_path / "clone",
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stdout + out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("NOT RUN:"), out.stdout
    assert "reproduced: yes" not in out.stdout


def test_a_workspace_with_stale_results_is_refused(tmp_path):
    """Marked as computed here (a run started), but a params edit since and nothing finished:
    dvc status lists the stages that write the results."""
    import shutil

    import yaml

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    (clone / "data" / ".computed-here").touch()
    params = yaml.safe_load((clone / "params.yaml").read_text())
    params["decodings"]["t1_0"]["temperature"] = 1.25
    (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    assert shutil.which("dvc") or (ROOT / ".venv/bin/dvc").exists()
    out = subprocess.run([sys.executable, "-m", "synthlens", "compare"], cwd=clone,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stdout.startswith("NOT RUN: the metrics here are not up to date"), out.stdout
    assert "generate@" in out.stdout or "evaluate@" in out.stdout
