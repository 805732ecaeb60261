"""The paper's six claims as statistical checks (report/claim_checks.py, claim_curves.py,
claim_stats.py), on metrics files with known values and known noise: every claim reaches PASS,
FAIL and INCONCLUSIVE, a difference inside its uncertainty never decides a verdict, and the
intervals are the ones derived by hand (or by linear error propagation) from the files' bootstrap
intervals. Each domain gets the same values, so a mean over domains is that value and its
interval's half-width is hw/sqrt(2) (report/rundata.average_over_domains)."""
import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import ROOT
from synthlens.config import Params
from synthlens.report import claim_curves, claim_stats
from synthlens.report.claim_checks import evaluate_claims
from synthlens.report.claim_intervals import second_run
from synthlens.report.rundata import CHARACTERISTICS, load_run
from synthlens.stages import verify

DOMAINS = ["sst2", "ag_news"]
Z = 1.959963984540054          # the 0.975 normal quantile
N = 1000                       # bootstrap draws per dataset
PATTERNS = [np.tile([1.0, -1.0], N // 2), np.tile([1.0, 1.0, -1.0, -1.0], N // 4)]


def make_params(models, decodings) -> Params:
    raw = yaml.safe_load((ROOT / "profiles" / "paper.yaml").read_text())
    raw["grid"] = {"models": list(models), "domains": DOMAINS, "decodings": list(decodings)}
    return Params.model_validate(raw)


def write(metrics: Path, params: Params, table: dict, hw: dict | float,
          second: dict | None = None) -> None:
    """One metrics file per (model, decoding) of `table` and domain; each characteristic c
    with the bootstrap interval value ± hw[c], bootstrap draws of sd hw[c]/Z, no seed spread. `second`: {(model, decoding):
    {c: value}} of the *_2 keys (default: the main values)."""
    hw = hw if isinstance(hw, dict) else {c: hw for c in CHARACTERISTICS}
    for (model, dec), vals in table.items():
        d = params.decodings[dec]
        for domain in DOMAINS:
            m = {c: vals[c] for c in CHARACTERISTICS}
            m.update({f"{c}_ci_low": vals[c] - hw[c] for c in CHARACTERISTICS})
            m.update({f"{c}_ci_high": vals[c] + hw[c] for c in CHARACTERISTICS})
            m.update({f"{c}_std": 0.0 for c in ("mauve", "faithfulness", "complexity",
                                                  "performance")})
            # bootstrap draws of sd hw/Z: ±1 patterns orthogonal between the two domains, so
            # the draws of the mean over domains have sd hw/Z/sqrt(2) (up to N/(N-1))
            q = PATTERNS[DOMAINS.index(domain)]
            m["bootstrap_draws"] = {c: list(vals[c] + hw[c] / Z * q) for c in CHARACTERISTICS}
            m["bootstrap_level"] = 0.95
            two = (second or {}).get((model, dec), vals)
            m.update({f"{c}_2": two[c] for c in ("faithfulness", "complexity", "performance",
                                                 "mauve")})
            m.update(temperature=d.temperature, top_p=d.top_p, n_samples=128,
                     info={"model": model, "domain": domain, "decoding": dec,
                           "kind": "synthetic", "family": params.models[model].family})
            path = metrics / model / domain / f"{dec}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(m))


def claims(tmp_path, table, hw, decodings, second=None) -> dict:
    models = list(dict.fromkeys(m for m, _ in table))
    params = make_params(models, decodings)
    write(tmp_path / "metrics", params, table, hw, second)
    return {r.number: r for r in evaluate_claims(load_run(params, tmp_path / "metrics"), params)}


def se_of_mean(hw: float) -> float:
    """The standard error of a mean over the two domains, each with draws of sd hw/Z."""
    return hw / math.sqrt(2) / Z * math.sqrt(N / (N - 1))


def row(faithfulness=0.6, diversity=0.5, mauve=0.8, complexity=0.3, performance=0.7) -> dict:
    return dict(faithfulness=faithfulness, diversity=diversity, mauve=mauve,
                complexity=complexity, performance=performance)


# ------------------------------------------------------------------------ claim 1
DEC1 = ["t0_5", "t1_0", "t1_5", "p0_9"]


def claim1_table(instruct_diversity=0.4):
    t = {}
    for dec in DEC1:
        t[("llama-2-7b", dec)] = row(faithfulness=0.6, diversity=0.5, mauve=0.8)
        t[("llama-2-7b-chat", dec)] = row(faithfulness=0.7, diversity=instruct_diversity,
                                          mauve=0.6)
    return t


def test_claim1_pass_with_the_hand_derived_interval(tmp_path):
    r = claims(tmp_path, claim1_table(), 0.01, DEC1)[1]
    assert r.verdict == "PASS"
    faith = r.tests[0]
    # Δ = 0.1 at each of 4 decodings; se of one Δ = sqrt(2)·se_of_mean; of their mean: /sqrt(4)
    se = math.sqrt(2) * se_of_mean(0.01) / 2
    assert faith.estimate == pytest.approx(0.1)
    assert (faith.low, faith.high) == pytest.approx((0.1 - Z * se, 0.1 + Z * se))


def test_claim1_fail_when_instruct_is_clearly_more_diverse(tmp_path):
    r = claims(tmp_path, claim1_table(instruct_diversity=0.6), 0.01, DEC1)[1]
    assert r.verdict == "FAIL"
    assert [t.outcome for t in r.tests] == ["holds", "contradicted", "holds"]


def test_claim1_inconclusive_when_the_differences_are_inside_the_noise(tmp_path):
    # hw 0.5: se of the mean Δ = sqrt(2)·0.5/sqrt(2)/1.96/2 = 0.128; 1.96·0.128 = 0.25 > 0.1 and
    # > 0.2 (conformity): nothing is decided, though every sign is the claimed one
    r = claims(tmp_path, claim1_table(), 0.5, DEC1)[1]
    assert r.verdict == "INCONCLUSIVE"
    assert all(t.outcome == "unclear" for t in r.tests)


def test_claim1_mixed_comparisons_are_not_a_pass(tmp_path):
    t = claim1_table()
    t[("llama-2-7b-chat", "t1_5")]["faithfulness"] = 0.45   # one decoding clearly less faithful
    r = claims(tmp_path, t, 0.01, DEC1)[1]
    assert r.tests[0].estimate == pytest.approx((0.1 * 3 - 0.15) / 4)   # the mean still > 0
    assert r.tests[0].outcome == "unclear" and "mixed" in r.tests[0].note
    assert r.verdict == "INCONCLUSIVE"


# ------------------------------------------------------------------------ claim 2
DEC2 = ["t0_5", "t1_0", "p0_9"]


def claim2_table(chatgpt_performance=0.5):
    t = {}
    for dec in DEC2:
        t[("chatgpt", dec)] = row(faithfulness=0.9, complexity=0.1, diversity=0.2, mauve=0.3,
                                  performance=chatgpt_performance)
        t[("llama-2-7b", dec)] = row(faithfulness=0.6, complexity=0.4, diversity=0.5,
                                     mauve=0.8, performance=0.8)
        t[("gpt-3-davinci", dec)] = row(faithfulness=0.65, complexity=0.35, diversity=0.45,
                                        mauve=0.7, performance=0.75)
    return t


def test_claim2_pass_fail_and_inconclusive(tmp_path):
    ok = claims(tmp_path / "a", claim2_table(), 0.01, DEC2)[2]
    assert ok.verdict == "PASS"
    perf = ok.tests[-1]
    assert (perf.low, perf.high) == (1.0, 1.0)     # 6 of 6 comparisons decided worse
    best = claims(tmp_path / "b", claim2_table(chatgpt_performance=0.95), 0.01, DEC2)[2]
    assert best.verdict == "FAIL"                   # ChatGPT's datasets perform best
    assert best.tests[-1].outcome == "contradicted" and best.tests[-1].high == 0.0
    # hw 0.4: se of one difference = 0.4/1.96 = 0.20; 1.96·0.20 = 0.4 > every gap here but
    # conformity's (0.4 and 0.5): those four parts have no comparison decided either way
    noisy = claims(tmp_path / "c", claim2_table(), 0.4, DEC2)[2]
    assert noisy.verdict == "INCONCLUSIVE"
    assert [(t.low, t.high) for i, t in enumerate(noisy.tests) if i != 3] == [(0.0, 1.0)] * 4


# ------------------------------------------------------------------------ claim 3
DEC3 = ["t0_5", "t0_7", "t1_0", "t1_5", "p0_9"]


def claim3_table(faithfulness_2=0.7, mauve_2=0.8):
    t = {}
    for dec in DEC3:
        t[("llama-7b", dec)] = row(faithfulness=0.7, mauve=0.6)
        t[("llama-2-7b", dec)] = row(faithfulness=faithfulness_2, mauve=mauve_2)
    return t


def test_claim3_pass_needs_equivalence_within_the_margin(tmp_path):
    r = claims(tmp_path, claim3_table(), 0.005, DEC3)[3]
    assert r.verdict == "PASS"
    same = r.tests[1]
    # TOST: Δ faithfulness 0, its 90% interval ±1.645·se, se = sqrt(2)·se_of_mean/sqrt(5)
    se = math.sqrt(2) * se_of_mean(0.005) / math.sqrt(5)
    assert same.estimate == pytest.approx(0.0, abs=1e-12)
    assert same.high == pytest.approx(1.6448536 * se, rel=1e-5) and same.level == pytest.approx(0.9)


def test_claim3_inconclusive_when_equal_means_are_too_noisy_to_call_the_same(tmp_path):
    # Δ faithfulness is exactly 0, but se = sqrt(2)·0.1/sqrt(2)/1.96/sqrt(5) = 0.0228 and the
    # 90% interval ±0.0375 reaches past the ±0.03 margin: 'the same' is not shown
    r = claims(tmp_path, claim3_table(), 0.1, DEC3)[3]
    assert r.tests[0].outcome == "holds"           # conformity +0.2 clears ±0.045
    assert r.tests[1].outcome == "unclear"
    assert r.verdict == "INCONCLUSIVE"


def test_claim3_fail_when_faithfulness_clearly_differs(tmp_path):
    r = claims(tmp_path, claim3_table(faithfulness_2=0.5), 0.005, DEC3)[3]
    assert r.tests[1].outcome == "contradicted" and r.verdict == "FAIL"


# ------------------------------------------------------------------------ claim 4
DEC4 = ["t0_5", "t1_0", "t1_5"]
TEMPS = {"t0_5": 0.5, "t0_7": 0.7, "t1_0": 1.0, "t1_2": 1.2, "t1_5": 1.5, "p0_9": 0.95}


def claim4_table(falcon_offset):
    t = {}
    for dec in DEC4:
        T = TEMPS[dec]
        d_other, d_falcon = 0.3 + 0.2 * T, 0.35 + 0.15 * T   # Falcon's inside the other's range
        t[("llama-2-7b", dec)] = row(diversity=d_other, faithfulness=1.1 - d_other,
                                     mauve=1.2 - d_other)
        t[("falcon-7b", dec)] = row(diversity=d_falcon,
                                    faithfulness=1.1 - d_falcon + falcon_offset,
                                    mauve=1.2 - d_falcon + falcon_offset)
    return t


def test_claim4_pass_fail_and_inconclusive(tmp_path):
    worse = claims(tmp_path / "a", claim4_table(-0.1), 0.01, DEC4)[4]
    assert worse.verdict == "PASS"
    assert [t.estimate for t in worse.tests] == pytest.approx([0.1, 0.1])  # gap by construction
    better = claims(tmp_path / "b", claim4_table(+0.1), 0.01, DEC4)[4]
    assert better.verdict == "FAIL"
    noisy = claims(tmp_path / "c", claim4_table(-0.1), 0.4, DEC4)[4]
    assert noisy.verdict == "INCONCLUSIVE"


def test_a_curve_passing_twice_counts_the_mean_of_its_crossings():
    # (0,0) -> (1,1) -> (0,0.5) passes x = 0.5 at y = 0.5 and at y = 0.75: not the highest
    assert claim_curves.interpolate([(0, 0), (1, 1), (0, 0.5)], 0.5) == pytest.approx(0.625)
    assert claim_curves.interpolate([(0, 0), (1, 1)], 2) is None
    assert claim_curves.distance_to_curve([(0, 0), (1, 0)], (0.5, 0.2)) == pytest.approx(0.2)
    assert claim_curves.distance_to_curve([(0, 0), (1, 0)], (2, 0)) == pytest.approx(1.0)


# ------------------------------------------------------------------------ claim 5
DEC5 = ["t0_5", "t0_7", "t1_0", "t1_5", "p0_9"]


def claim5_table(offset=0.0):
    """Every characteristic linear in T, so the T curve is a straight line in each plane and
    the top-p point (behaving like T = 0.95) lies on it, unless moved by `offset`."""
    t = {}
    for model, base in (("llama-2-7b", 0.0), ("qwen2_5-7b", 0.05)):
        for dec in DEC5:
            T = TEMPS[dec]
            shift = offset if dec == "p0_9" else 0.0
            t[(model, dec)] = row(diversity=0.3 + base + 0.2 * T, mauve=0.5 + 0.2 * T + shift,
                                  faithfulness=0.9 - 0.2 * T + shift,
                                  complexity=0.2 + 0.2 * T + shift, performance=0.7)
    return t


def test_claim5_pass_fail_and_inconclusive_in_all_three_planes(tmp_path):
    on = claims(tmp_path / "a", claim5_table(), 0.005, DEC5)[5]
    assert on.verdict == "PASS" and len(on.tests) == 4
    assert [t.outcome for t in on.tests] == ["holds"] * 4
    off = claims(tmp_path / "b", claim5_table(offset=0.3), 0.005, DEC5)[5]
    assert off.verdict == "FAIL"
    assert [t.outcome for t in off.tests[:3]] == ["contradicted"] * 3
    assert off.tests[3].outcome == "holds"          # diversity still rises with T
    # on the curve, but every point ±0.2: the distance cannot be shown below 0.05
    noisy = claims(tmp_path / "c", claim5_table(), 0.2, DEC5)[5]
    assert noisy.verdict == "INCONCLUSIVE"
    assert all(t.outcome == "unclear" for t in noisy.tests[:3])


def test_claim5_fails_in_one_plane_even_if_diversity_conformity_agrees(tmp_path):
    t = claim5_table()
    for model in ("llama-2-7b", "qwen2_5-7b"):
        t[(model, "p0_9")]["faithfulness"] += 0.3    # off in the two faithfulness planes only
    r = claims(tmp_path, t, 0.005, DEC5)[5]
    assert [x.outcome for x in r.tests] == ["holds", "contradicted", "contradicted", "holds"]
    assert r.verdict == "FAIL"


# ------------------------------------------------------------------------ claim 6
DEC6 = ["t0_5", "t0_7", "t1_0", "t1_2", "t1_5"]


def claim6_table(sign=-1, models=("llama-2-7b", "qwen2_5-7b")):
    t = {}
    for model in models:
        for dec in DEC6:
            d = 0.3 + 0.2 * TEMPS[dec]
            t[(model, dec)] = row(diversity=d, mauve=0.7 + sign * 4 * (d - 0.5) ** 2)
    return t


def test_claim6_interval_of_a_matches_linear_error_propagation(tmp_path):
    # diversity almost exact (hw 1e-6), conformity ±0.01: a is linear in the conformity values,
    # a = Σ w_i y_i with w the first row of the design's pseudo-inverse, so its se is
    # sqrt(Σ w_i²)·se_y, and the mean a over two models has se / sqrt(2)
    hw = {c: 0.01 for c in CHARACTERISTICS} | {"diversity": 1e-6}
    r = claims(tmp_path, claim6_table(), hw, DEC6)[6]
    assert r.verdict == "PASS"
    x = np.array([0.3 + 0.2 * TEMPS[d] for d in DEC6])
    w = np.linalg.pinv(np.stack([x * x, x, np.ones_like(x)], axis=1))[0]
    se_a = math.sqrt((w ** 2).sum()) * se_of_mean(0.01) / math.sqrt(2)
    test = r.tests[0]
    assert test.estimate == pytest.approx(-4.0)
    assert test.high - test.low == pytest.approx(2 * Z * se_a, rel=0.1)   # 2000 draws


def test_claim6_fail_inconclusive_and_not_run_with_three_temperatures(tmp_path):
    u = claims(tmp_path / "a", claim6_table(sign=+1), 0.002, DEC6)[6]
    assert u.verdict == "FAIL"
    # hw 0.1: by the propagation of the test above, a's 95% half-width is about 5.3 > 4
    noisy = claims(tmp_path / "b", claim6_table(), 0.1, DEC6)[6]
    assert noisy.verdict == "INCONCLUSIVE"
    # three temperatures fit a parabola exactly: no curvature test, whatever the means say
    three = {k: v for k, v in claim6_table().items() if k[1] in ("t0_5", "t1_0", "t1_5")}
    r = claims(tmp_path / "c", three, 0.002, ["t0_5", "t1_0", "t1_5"])[6]
    assert r.verdict == "NOT RUN" and "4 temperature points" in r.reason


def test_claim6_small_mauve_means_inside_their_intervals_decide_nothing(tmp_path):
    # the SmolLM2 case, with a fourth temperature: MAUVE 0.015 / 0.030 / 0.028 / 0.0095
    # with intervals about ±0.03 wide, a peak in the middle: an inverted U only by chance
    mauve = dict(zip(DEC6, (0.015, 0.030, 0.028, 0.02, 0.0095)))
    t = {("qwen2_5-1_5b-instruct", dec): row(diversity=0.3 + 0.2 * TEMPS[dec], mauve=mauve[dec])
         for dec in DEC6}
    hw = {c: 0.01 for c in CHARACTERISTICS} | {"mauve": 0.03}
    r = claims(tmp_path, t, hw, DEC6)[6]
    assert r.tests[0].estimate < 0                  # the exact fit is concave ...
    assert r.verdict == "INCONCLUSIVE"              # ... but not beyond its uncertainty


# ------------------------------------------------------------------------ general
def test_values_without_any_uncertainty_decide_nothing(tmp_path):
    params = make_params(["llama-2-7b", "llama-2-7b-chat"], DEC1)
    write(tmp_path / "metrics", params, claim1_table(), 0.01)
    for path in (tmp_path / "metrics").rglob("*.json"):
        m = json.loads(path.read_text())
        for c in CHARACTERISTICS:
            m.pop(f"{c}_ci_low"), m.pop(f"{c}_ci_high")
        m.pop("bootstrap_draws")
        path.write_text(json.dumps(m))
    r = evaluate_claims(load_run(params, tmp_path / "metrics"), params)[0]
    assert r.verdict == "INCONCLUSIVE" and "no uncertainty" in r.tests[0].note


def test_standard_error_adds_the_seed_spread_and_uses_the_wider_side():
    se, src = claim_stats.standard_error(0.5, 0.4, 0.6, 0.03, 0.95)
    assert se == pytest.approx(math.hypot(0.1 / Z, 0.03)) and src == "bootstrap + seeds"
    se, src = claim_stats.standard_error(0.01, 0.0, 0.05, float("nan"), 0.95)  # clipped at 0
    assert se == pytest.approx(0.04 / Z) and src == "bootstrap"
    assert claim_stats.standard_error(0.5, float("nan"), float("nan"), 0.0, 0.95)[1] == "none"


def test_second_backbone_verdicts_stand_next_to_the_main_ones(tmp_path):
    models = ["llama-2-7b", "llama-2-7b-chat"]
    params = make_params(models, DEC1)
    table = claim1_table()
    # the second backbone finds the instruct model *less* faithful
    second = {k: {**v, "faithfulness": 0.5 if "chat" in k[0] else 0.6} for k, v in table.items()}
    write(tmp_path / "metrics", params, table, 0.01, second)
    run = load_run(params, tmp_path / "metrics")
    two = second_run(run)
    r = next(x for x in two.rows if x["model"] == "llama-2-7b-chat" and x["decoding"] == "t1_0")
    assert (r["faithfulness"], r["faithfulness_ci_low"]) == pytest.approx((0.5, 0.49))
    assert verify.run(params, tmp_path / "metrics", tmp_path / "out") == 0
    text = (tmp_path / "out" / "claims.md").read_text()
    assert "| 1 | Instruction-tuned" in text and "| **PASS** | FAIL |" in text
    assert "claim 1 is PASS with the main models but FAIL with the second ones" in text
