"""The paper's six claims as executable checks, one function per claim, over Table 2's means
of this run (claims.Means).

Each check returns a ClaimResult: a verdict, PASS, FAIL or NOT RUN (the run lacks the models or
decodings the claim is about), the operationalisation in words, and the numbers behind it.
Every number is a mean over domains, the same as in Table 2 (report stage).
"""
from __future__ import annotations

import math
import re

from ..config import Params
from .claims import (FAIL, NOT_RUN, PASS, SAME_TOL, TOPP_TOL, WORST_SHARE, ClaimResult, Means,
                     majority)
from .rundata import INSTRUCT_SUFFIX, RunData
from .tabular import Table, is_number

LLAMA = re.compile(r"^llama-(\d+(?:_\d+)?b)$", re.IGNORECASE)
LLAMA2 = re.compile(r"^llama-2-(\d+(?:_\d+)?b)$", re.IGNORECASE)


# ------------------------------------------------------------------------ claim 1
def instruct_pairs(means: Means) -> list[tuple[str, str]]:
    """(vanilla, instruct) zero-shot pairs sharing a base: the instruct model's name without
    its -chat / -instruct / -it suffix is the vanilla model's name (llama-2-7b-chat ->
    llama-2-7b)."""
    vanilla = set(means.zero_shot("vanilla"))
    pairs = []
    for m in means.zero_shot("instruct"):
        base = INSTRUCT_SUFFIX.sub("", m)
        if base != m and base in vanilla:
            pairs.append((base, m))
    return pairs


def _group_mean(means: Means, models: list[str], decoding: str) -> dict | None:
    rows = [means.get(m, decoding) for m in models]
    rows = [r for r in rows if r is not None]
    if not rows:
        return None
    out = {"domains": rows[0]["domains"] if all(r["domains"] == rows[0]["domains"]
                                                 for r in rows) else None}
    for c in ("faithfulness", "diversity", "mauve"):
        vals = [r[c] for r in rows]
        out[c] = sum(vals) / len(vals) if all(is_number(v) for v in vals) else float("nan")
    return out


def claim1(means: Means) -> ClaimResult:
    pairs = instruct_pairs(means)
    vanilla, instruct = means.zero_shot("vanilla"), means.zero_shot("instruct")
    op = ("For every vanilla/instruct pair sharing a base (the instruct model's name minus "
          "-chat/-instruct is the vanilla model's name; zero-shot models only) and every "
          "decoding both ran (same temperature and top-p): Δ = instruct − vanilla of the means "
          "over domains. Holds if Δ faithfulness > 0, Δ diversity < 0 and Δ conformity < 0 "
          "each in a majority of the comparisons that have the value.")
    units = []
    if pairs:
        for v, i in pairs:
            for dec in means.params.grid.decodings:
                a, b = means.get(v, dec), means.get(i, dec)
                if means.comparable(a, b):
                    units.append((f"{i} vs {v}", dec, a, b))
    elif vanilla and instruct:
        op += (" This run has no same-base pair, so the comparison is between groups: the mean "
               f"of its vanilla models ({', '.join(vanilla)}) against the mean of its instruct "
               f"models ({', '.join(instruct)}) at each decoding. Those models do not share a "
               "base, so size and training data differ too: a weaker test than the paper's.")
        for dec in means.params.grid.decodings:
            a, b = _group_mean(means, vanilla, dec), _group_mean(means, instruct, dec)
            if a and b and a["domains"] and a["domains"] == b["domains"]:
                units.append(("instruct models vs vanilla models", dec, a, b))
    if not units:
        why = ("this run has no zero-shot vanilla model and no zero-shot instruct model run on "
               "the same decodings and domains" if not (vanilla and instruct) else
               "no decoding was run by both sides on the same domains")
        return ClaimResult(1, NOT_RUN, op, why)
    t = Table("claim1", "Claim 1: instruct − vanilla at the same decoding",
              ["comparison", "decoding", "Δ faithfulness", "Δ diversity", "Δ conformity",
               "more faithful", "less diverse", "less conform"])
    checks = {"faithfulness": [], "diversity": [], "mauve": []}
    for name, dec, a, b in units:
        d = {c: b[c] - a[c] if is_number(a[c], b[c]) else float("nan") for c in checks}
        flags = {"faithfulness": d["faithfulness"] > 0, "diversity": d["diversity"] < 0,
                 "mauve": d["mauve"] < 0}
        for c in checks:
            if is_number(d[c]):
                checks[c].append(flags[c])
        t.rows.append([name, dec, d["faithfulness"], d["diversity"], d["mauve"]] +
                      [("yes" if flags[c] else "no") if is_number(d[c]) else "—" for c in checks])
    held = {c: majority(f) for c, f in checks.items()}
    parts = [f"{word}: {sum(checks[c])}/{len(checks[c])}" for c, word in
             (("faithfulness", "more faithful"), ("diversity", "less diverse"),
              ("mauve", "less conform"))]
    verdict = PASS if all(held.values()) else FAIL
    return ClaimResult(1, verdict, op, "; ".join(parts) + " comparisons", [t])


# ------------------------------------------------------------------------ claim 2
def chatgpt_models(means: Means) -> list[str]:
    out = []
    for m in means.zero_shot():
        spec = means.spec(m)
        api = spec.api.model.lower() if spec.api else ""
        if "chatgpt" in m.lower() or api.startswith("gpt-3.5"):
            out.append(m)
    return out


def claim2(means: Means) -> ClaimResult:
    op = ("ChatGPT = a zero-shot model named *chatgpt* or served as gpt-3.5-* by the API. At "
          "each decoding, against every other zero-shot model of the run (means over domains), "
          "the share of those models it beats: very faithful = higher faithfulness than at "
          "least half; simple = lower complexity than at least half; not diverse / not conform "
          "= lower diversity / conformity than at least half; performs among the worst = lower "
          f"performance than at least {WORST_SHARE:.0%}. Holds at a decoding if all five do; "
          "PASS if it holds at a majority of decodings.")
    targets = chatgpt_models(means)
    if not targets:
        return ClaimResult(2, NOT_RUN, op, "this run has no ChatGPT model")
    t = Table("claim2", "Claim 2: share of the other models ChatGPT is above (↑) or below (↓)",
              ["model", "decoding", "others", "faithfulness ↑", "complexity ↓", "diversity ↓",
               "conformity ↓", "performance ↓", "all hold"])
    results = []
    for target in targets:
        others = [m for m in means.zero_shot() if m != target]
        for dec in means.params.grid.decodings:
            me = means.get(target, dec)
            rivals = [r for r in (means.get(m, dec) for m in others) if means.comparable(me, r)]
            if me is None or len(rivals) < 2:
                continue

            def share(c, above):
                vals = [r[c] for r in rivals if is_number(r[c])]
                if not vals or not is_number(me[c]):
                    return float("nan")
                return sum((me[c] > v) if above else (me[c] < v) for v in vals) / len(vals)

            s = {"faithfulness": share("faithfulness", True),
                 "complexity": share("complexity", False),
                 "diversity": share("diversity", False), "mauve": share("mauve", False),
                 "performance": share("performance", False)}
            need = {"faithfulness": 0.5, "complexity": 0.5, "diversity": 0.5, "mauve": 0.5,
                    "performance": WORST_SHARE}
            ok = all(is_number(s[c]) and s[c] >= need[c] for c in s)
            results.append(ok)
            t.rows.append([target, dec, len(rivals)] + [s[c] for c in s] +
                          ["yes" if ok else "no"])
    if not results:
        return ClaimResult(2, NOT_RUN, op, "ChatGPT is in the run but fewer than two other "
                           "models ran the same decodings and domains", [t])
    verdict = PASS if majority(results) else FAIL
    return ClaimResult(2, verdict, op, f"all five hold at {sum(results)}/{len(results)} "
                       "decodings", [t])


# ------------------------------------------------------------------------ claim 3
def llama_pairs(means: Means) -> list[tuple[str, str]]:
    """(llama-<size>, llama-2-<size>) zero-shot vanilla pairs of the same size."""
    vanilla = means.zero_shot("vanilla")
    first = {LLAMA.match(m).group(1).lower(): m for m in vanilla if LLAMA.match(m)}
    second = {LLAMA2.match(m).group(1).lower(): m for m in vanilla if LLAMA2.match(m)}
    return [(first[s], second[s]) for s in sorted(first) if s in second]


def claim3(means: Means) -> ClaimResult:
    op = ("Pairs: llama-<size> and llama-2-<size> (vanilla, zero-shot, same size). At each "
          "decoding both ran, Δ = Llama-2 − Llama of the means over domains. Holds if "
          f"conformity improves (Δ > {SAME_TOL}), faithfulness stays the same "
          f"(|Δ| ≤ {SAME_TOL}), and nothing else improves (Δ diversity ≤ {SAME_TOL}, "
          f"Δ performance ≤ {SAME_TOL}; complexity has no 'better' direction and is shown "
          "only). PASS if it holds at a majority of the comparisons.")
    pairs = llama_pairs(means)
    if not pairs:
        return ClaimResult(3, NOT_RUN, op, "this run has no Llama / Llama-2 pair of the same "
                           "size")
    t = Table("claim3", "Claim 3: Llama-2 − Llama at the same decoding",
              ["pair", "decoding", "Δ conformity", "Δ faithfulness", "Δ diversity",
               "Δ performance", "Δ complexity", "holds"])
    results = []
    for old, new in pairs:
        for dec in means.params.grid.decodings:
            a, b = means.get(old, dec), means.get(new, dec)
            if not means.comparable(a, b):
                continue
            d = {c: b[c] - a[c] if is_number(a[c], b[c]) else float("nan")
                 for c in ("mauve", "faithfulness", "diversity", "performance", "complexity")}
            if not is_number(d["mauve"], d["faithfulness"]):
                continue
            ok = (d["mauve"] > SAME_TOL and abs(d["faithfulness"]) <= SAME_TOL and
                  all(not is_number(d[c]) or d[c] <= SAME_TOL for c in ("diversity", "performance")))
            results.append(ok)
            t.rows.append([f"{new} vs {old}", dec] + [d[c] for c in d] +
                          ["yes" if ok else "no"])
    if not results:
        return ClaimResult(3, NOT_RUN, op, "the Llama pairs share no decoding with values on "
                           "the same domains", [t])
    return ClaimResult(3, PASS if majority(results) else FAIL, op,
                       f"holds at {sum(results)}/{len(results)} comparisons", [t])


# ------------------------------------------------------------------------ claim 4
def interpolate(curve: list[tuple[float, float]], x: float) -> float | None:
    """y of the piecewise-linear curve (ordered by temperature) at x; None outside its x-range.
    Where the curve passes x several times the highest crossing counts."""
    ys = []
    for (x0, y0), (x1, y1) in zip(curve, curve[1:]):
        lo, hi = min(x0, x1), max(x0, x1)
        if lo <= x <= hi:
            ys.append(y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    return max(ys) if ys else None


def claim4(means: Means) -> ClaimResult:
    op = ("Falcon-7B = a zero-shot vanilla model whose name starts with 'falcon'. For each "
          "trade-off (diversity → faithfulness, diversity → conformity) and each other "
          "zero-shot vanilla model with at least two temperature points: the gap = mean, over "
          "Falcon's temperature points (top-p 1, means over domains) whose diversity lies in the "
          "other model's diversity range, of (other model's piecewise-linear curve − Falcon) at "
          "Falcon's diversity. Falcon is worse on a trade-off if the gap > 0 against a majority "
          "of the models it could be compared with; PASS if worse on both.")
    falcons = [m for m in means.zero_shot("vanilla") if m.lower().startswith("falcon")]
    if not falcons:
        return ClaimResult(4, NOT_RUN, op, "this run has no Falcon vanilla model")
    others = [m for m in means.zero_shot("vanilla") if m not in falcons]
    t = Table("claim4", "Claim 4: other model's curve − Falcon at Falcon's diversity",
              ["Falcon", "trade-off", "compared with", "points in range", "mean gap",
               "Falcon worse"])
    verdicts = {}
    for falcon in falcons:
        for y in ("faithfulness", "mauve"):
            mine = [(r["diversity"], r[y]) for r in means.curve(falcon, "diversity", y)]
            flags = []
            for other in others:
                curve = [(r["diversity"], r[y]) for r in means.curve(other, "diversity", y)]
                if len(curve) < 2:
                    continue
                gaps = [interpolate(curve, px) - py for px, py in mine
                        if interpolate(curve, px) is not None]
                if not gaps:
                    t.rows.append([falcon, f"diversity vs {y}", other, 0, float("nan"), "—"])
                    continue
                gap = sum(gaps) / len(gaps)
                flags.append(gap > 0)
                t.rows.append([falcon, f"diversity vs {y}", other, len(gaps), gap,
                               "yes" if gap > 0 else "no"])
            if flags:
                verdicts[(falcon, y)] = majority(flags)
    if not verdicts or {y for _, y in verdicts} != {"faithfulness", "mauve"}:
        return ClaimResult(4, NOT_RUN, op, "no other vanilla model's temperature curve spans "
                           "Falcon's diversity on both trade-offs", [t])
    ok = all(verdicts.values())
    worse = [f"{f} vs {'conformity' if y == 'mauve' else y}: "
             f"{'worse' if v else 'not worse'}" for (f, y), v in verdicts.items()]
    return ClaimResult(4, PASS if ok else FAIL, op, "; ".join(worse), [t])


# ------------------------------------------------------------------------ claim 5
def distance_to_curve(curve: list[tuple[float, float]], p: tuple[float, float]) -> float:
    """Euclidean distance from p to the polyline through curve (endpoints included)."""
    best = float("inf")
    for (x0, y0), (x1, y1) in zip(curve, curve[1:]):
        dx, dy = x1 - x0, y1 - y0
        seg = dx * dx + dy * dy
        s = 0.0 if seg == 0 else max(0.0, min(1.0, ((p[0] - x0) * dx + (p[1] - y0) * dy) / seg))
        best = min(best, math.hypot(p[0] - (x0 + s * dx), p[1] - (y0 + s * dy)))
    return best


def _spearman(xs: list[float], ys: list[float]) -> float:
    from scipy import stats

    if len(xs) < 2 or len(set(xs)) < 2 or len(set(ys)) < 2:
        return float("nan")
    if len(xs) == 2:
        return 1.0 if (xs[1] - xs[0]) * (ys[1] - ys[0]) > 0 else -1.0
    return float(stats.spearmanr(xs, ys).statistic)


def claim5(means: Means) -> ClaimResult:
    op = ("(a) The top-p point lies on the temperature curve: for every model with at least two "
          "temperature points (top-p 1) and every top-p < 1 decoding, the Euclidean distance in "
          "the (diversity, conformity) plane (means over domains; both axes are fractions in "
          "[0, 1]) from the top-p point to the piecewise-linear curve through the temperature "
          f"points, ordered by T, must be ≤ {TOPP_TOL} for a majority of the top-p points. "
          "(b) Temperature drives the trade-offs: diversity rises with temperature "
          "(Spearman ρ(T, diversity) > 0) for a majority of models. PASS if (a) and (b).")
    tp = Table("claim5_topp", "Claim 5a: distance of each top-p point to its model's "
               "temperature curve (diversity, conformity)",
               ["model", "decoding", "top-p", "T", "diversity", "conformity", "distance",
                "on curve"])
    tt = Table("claim5_temperature", "Claim 5b: does diversity rise with temperature?",
               ["model", "temperatures", "Spearman ρ(T, diversity)", "rises"])
    near, rises = [], []
    for model in means.models:
        curve_rows = means.curve(model, "diversity", "mauve")
        div_rows = means.curve(model, "diversity", "diversity")
        if len(div_rows) >= 2:
            rho = _spearman([r["temperature"] for r in div_rows],
                            [r["diversity"] for r in div_rows])
            if is_number(rho):
                rises.append(rho > 0)
            tt.rows.append([model, ", ".join(f"{r['temperature']:g}" for r in div_rows), rho,
                            "yes" if is_number(rho) and rho > 0 else "no"])
        if len(curve_rows) < 2:
            continue
        curve = [(r["diversity"], r["mauve"]) for r in curve_rows]
        for dec in means.params.grid.decodings:
            r = means.get(model, dec)
            if r is None or r["top_p"] >= 1.0 or not is_number(r["diversity"], r["mauve"]):
                continue
            dist = distance_to_curve(curve, (r["diversity"], r["mauve"]))
            near.append(dist <= TOPP_TOL)
            tp.rows.append([model, dec, r["top_p"], r["temperature"], r["diversity"],
                            r["mauve"], dist, "yes" if dist <= TOPP_TOL else "no"])
    if not near:
        return ClaimResult(5, NOT_RUN, op, "no model has both a top-p < 1 point and a "
                           "temperature curve of two or more points", [tp, tt])
    ok = majority(near) and majority(rises)
    return ClaimResult(5, PASS if ok else FAIL, op,
                       f"(a) {sum(near)}/{len(near)} top-p points on the curve; (b) diversity "
                       f"rises with T for {sum(rises)}/{len(rises)} models", [tp, tt])


# ------------------------------------------------------------------------ claim 6
def quadratic(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    import numpy as np

    a, b, c = np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 2)
    return float(a), float(b), float(c)


def claim6(means: Means) -> ClaimResult:
    op = ("For every model with at least three temperature points (top-p 1, means over domains) "
          "at distinct diversities: least-squares fit conformity = a·diversity² + b·diversity + "
          "c. Inverted U if a < 0. PASS if a < 0 for a majority of the fitted models. The "
          "column 'peak inside' says whether the fitted maximum −b/2a lies within the observed "
          "diversities (informational: with a peak outside, the curve is concave but "
          "monotone over the range seen).")
    t = Table("claim6", "Claim 6: quadratic fit of conformity on diversity per model",
              ["model", "points", "a", "b", "c", "peak at diversity", "peak inside",
               "inverted U (a < 0)"])
    flags, skipped = [], []
    for model in means.models:
        rows = means.curve(model, "diversity", "mauve")
        xs = [r["diversity"] for r in rows]
        if len(set(xs)) < 3:
            skipped.append(model)
            continue
        a, b, c = quadratic(xs, [r["mauve"] for r in rows])
        peak = -b / (2 * a) if a != 0 else float("nan")
        inside = is_number(peak) and min(xs) <= peak <= max(xs)
        flags.append(a < 0)
        t.rows.append([model, len(rows), a, b, c, peak, "yes" if inside else "no",
                       "yes" if a < 0 else "no"])
    if skipped:
        t.notes.append("Fewer than three temperature points with both values (not fitted): " +
                       ", ".join(skipped))
    if not flags:
        return ClaimResult(6, NOT_RUN, op, "no model has three temperature points with both "
                           "diversity and conformity", [t])
    return ClaimResult(6, PASS if majority(flags) else FAIL, op,
                       f"a < 0 for {sum(flags)}/{len(flags)} fitted models", [t])


# ------------------------------------------------------------------------ all six
def evaluate_claims(run: RunData, params: Params) -> list[ClaimResult]:
    means = Means(run, params)
    return [check(means) for check in (claim1, claim2, claim3, claim4, claim5, claim6)]
