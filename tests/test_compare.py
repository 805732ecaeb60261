"""make compare: committed vs this run, per dataset, within tolerance."""
from synthlens.report.compare import compare_metrics, format_table

TOL = {"diversity": 0.01, "mauve": 0.05, "faithfulness": 0.05, "complexity": 0.1,
       "performance": 0.05}
PATH = "data/metrics/reviews/gpt2-mini/t1_0.json"


def metrics(**overrides):
    base = {"diversity": 0.3, "mauve": 0.8, "faithfulness": 0.7, "complexity": 0.2,
            "performance": 0.75, "provenance": {"params_sha256": "abc"}}
    return {**base, **overrides}


def test_identical_runs_reproduce():
    verdicts = compare_metrics({PATH: metrics()}, {PATH: metrics()}, TOL)
    assert [v.ok for v in verdicts] == [True]
    assert verdicts[0].dataset == "reviews/gpt2-mini/t1_0"
    assert "results reproduced: yes" in format_table(verdicts, "HEAD")


def test_a_move_inside_tolerance_is_ok_outside_is_not():
    inside = compare_metrics({PATH: metrics()}, {PATH: metrics(mauve=0.84)}, TOL)
    assert inside[0].ok
    outside = compare_metrics({PATH: metrics()}, {PATH: metrics(faithfulness=0.6)}, TOL)
    assert not outside[0].ok
    assert "faithfulness moved -0.100" in outside[0].problems[0]
    assert "results reproduced: no" in format_table(outside, "HEAD")


def test_nan_on_both_sides_agrees_on_one_side_differs():
    both = compare_metrics({PATH: metrics(diversity=None)}, {PATH: metrics(diversity=None)}, TOL)
    assert both[0].ok
    one = compare_metrics({PATH: metrics(diversity=None)}, {PATH: metrics()}, TOL)
    assert not one[0].ok


def test_missing_dataset_and_changed_params_are_reported():
    other = "data/metrics/news/reference.json"
    verdicts = {v.dataset: v for v in compare_metrics(
        {PATH: metrics(), other: metrics()},
        {PATH: metrics(provenance={"params_sha256": "def"})}, TOL)}
    assert "not computed in this run" in verdicts["news/reference"].problems
    assert "params differ from the committed run's" in verdicts["reviews/gpt2-mini/t1_0"].problems
