"""The paper's claims 1-3 as statistical checks over Table 2's means of this run (claims.Means),
and evaluate_claims, which runs all six (claims 4-6 are in claim_curves.py).

Each check returns a ClaimResult whose verdict comes from its Tests (claim_stats.verdict_of):
PASS when every test is decided for the claim, FAIL when one is decided against it,
INCONCLUSIVE otherwise, NOT RUN when the run lacks the models or decodings the claim is about.
Every number is a mean over domains, the same as in Table 2; each carries its standard error.
"""
from __future__ import annotations

import math
import re

from ..config import Params
from ..metrics.schema import K
from .claim_curves import claim4, claim5, claim6
from .claim_stats import (NOT_RUN, decided_share, equivalence, mean_difference,
                          non_superiority, unit_outcomes, verdict_of)
from .claims import ClaimResult, Means
from .rundata import INSTRUCT_SUFFIX, LABELS, RunData
from .tabular import Table, is_number

LLAMA = re.compile(r"^llama-(\d+(?:_\d+)?b)$", re.IGNORECASE)
LLAMA2 = re.compile(r"^llama-2-(\d+(?:_\d+)?b)$", re.IGNORECASE)
NAN = float("nan")


def differences(units: list[tuple[str, str, dict, dict]], c: str
                ) -> tuple[list[float], list[float]]:
    """b − a of characteristic c per comparison (name, decoding, a, b) that has both values,
    and its standard error sqrt(se_a² + se_b²) (independent datasets)."""
    ds, ses = [], []
    for _, _, a, b in units:
        if is_number(a[c], b[c]):
            ds.append(b[c] - a[c])
            ses.append(math.hypot(a[f"{c}_se"], b[f"{c}_se"]))
    return ds, ses


def _mark(d: float, se: float, level: float, sign: int) -> str:
    """One comparison's cell: Δ ± se and whether its own z-test decides it."""
    if not is_number(d):
        return "—"
    out = unit_outcomes([d], [se], level, sign)[0]
    return f"{d:+.3f} ± {se:.3f} ({out})" if is_number(se) else f"{d:+.3f} (no se)"


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
    """The mean of several models' rows at one decoding; its se = sqrt(Σ se²)/k."""
    rows = [r for r in (means.get(m, decoding) for m in models) if r is not None]
    if not rows:
        return None
    out = {"domains": rows[0]["domains"] if all(r["domains"] == rows[0]["domains"]
                                                 for r in rows) else None}
    for c in (K.faithfulness, K.diversity, K.mauve):
        vals, ses = [r[c] for r in rows], [r[f"{c}_se"] for r in rows]
        ok = all(is_number(v) for v in vals)
        out[c] = sum(vals) / len(vals) if ok else NAN
        out[f"{c}_se"] = (math.sqrt(sum(s * s for s in ses)) / len(ses)
                          if ok and all(is_number(s) for s in ses) else NAN)
    return out


CLAIM1_PARTS = [(K.faithfulness, +1, "more faithful"), (K.diversity, -1, "less diverse"),
                (K.mauve, -1, "less conform")]


def claim1(means: Means) -> ClaimResult:
    pairs = instruct_pairs(means)
    vanilla, instruct = means.zero_shot("vanilla"), means.zero_shot("instruct")
    op = ("For every vanilla/instruct pair sharing a base (the instruct model's name minus "
          "-chat/-instruct is the vanilla model's name; zero-shot models only) and every "
          "decoding both ran (same temperature and top-p): Δ = instruct − vanilla of the means "
          "over domains. Per characteristic, a z-test on the mean Δ over these comparisons "
          "(its standard error from each value's bootstrap interval and seed std): holds if "
          "its interval lies above 0 for faithfulness and below 0 for diversity and "
          "conformity, and no single comparison is decided the other way. PASS if all three "
          "hold, FAIL if one is decided against the claim.")
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
    level = means.level
    t = Table("claim1", "Claim 1: instruct − vanilla at the same decoding (Δ ± se, and each "
              "comparison's own z-test)", ["comparison", "decoding"] +
              [f"Δ {LABELS[c]}" for c, _, _ in CLAIM1_PARTS])
    for name, dec, a, b in units:
        t.rows.append([name, dec] + [
            _mark(b[c] - a[c] if is_number(a[c], b[c]) else NAN,
                  math.hypot(a[f"{c}_se"], b[f"{c}_se"]), level, sign)
            for c, sign, _ in CLAIM1_PARTS])
    tests = [mean_difference(f"Δ {LABELS[c]} ({word}: {'> 0' if sign > 0 else '< 0'})",
                             *differences(units, c), level, sign)
             for c, sign, word in CLAIM1_PARTS]
    reason = "; ".join(f"{word}: {tt.outcome}" for (_, _, word), tt in zip(CLAIM1_PARTS, tests))
    return ClaimResult(1, verdict_of(tests), op, reason + f" ({len(units)} comparisons)", [t],
                       tests=tests)


# ------------------------------------------------------------------------ claim 2
def chatgpt_models(means: Means) -> list[str]:
    out = []
    for m in means.zero_shot():
        spec = means.spec(m)
        api = spec.api.model.lower() if spec.api else ""
        if "chatgpt" in m.lower() or api.startswith("gpt-3.5"):
            out.append(m)
    return out


# (characteristic, sign of "ChatGPT − rival" the claim expects, words, share needed or None)
CLAIM2_PARTS = [(K.faithfulness, +1, "very faithful", None),
                (K.complexity, -1, "simple", None), (K.diversity, -1, "not diverse", None),
                (K.mauve, -1, "not conform", None), (K.performance, -1, "among the worst", "w")]


def claim2(means: Means) -> ClaimResult:
    worst = means.params.claims.worst_share
    op = ("ChatGPT = a zero-shot model named *chatgpt* or served as gpt-3.5-* by the API. "
          "Comparisons: ChatGPT against every other zero-shot model of the run at each decoding "
          "both ran on the same domains (means over domains), each decided by its own z-test "
          "on the difference. very faithful = decided higher faithfulness than at least half "
          "of the comparisons; simple / not diverse / not conform = decided lower complexity / "
          "diversity / conformity than at least half; performs among the worst = decided lower "
          f"performance than at least {worst:.0%}. A part holds when the decided share reaches "
          "its need, is contradicted when it cannot reach it even if every undecided "
          "comparison went its way. PASS if all five hold, FAIL if one is contradicted.")
    targets = chatgpt_models(means)
    if not targets:
        return ClaimResult(2, NOT_RUN, op, "this run has no ChatGPT model")
    units = []
    for target in targets:
        others = [m for m in means.zero_shot() if m != target]
        for dec in means.params.grid.decodings:
            me = means.get(target, dec)
            rivals = [(m, means.get(m, dec)) for m in others]
            units += [(f"{target} vs {m}", dec, r, me) for m, r in rivals
                      if means.comparable(me, r)]
    if len(units) < 2:
        return ClaimResult(2, NOT_RUN, op, "ChatGPT is in the run but fewer than two "
                           "comparisons with other models on the same decodings and domains")
    level = means.level
    t = Table("claim2", "Claim 2: ChatGPT − other model at the same decoding (Δ ± se, and each "
              "comparison's own z-test)", ["comparison", "decoding"] +
              [f"Δ {LABELS[c]}" for c, *_ in CLAIM2_PARTS])
    for name, dec, a, b in units:
        t.rows.append([name, dec] + [
            _mark(b[c] - a[c] if is_number(a[c], b[c]) else NAN,
                  math.hypot(a[f"{c}_se"], b[f"{c}_se"]), level, sign)
            for c, sign, *_ in CLAIM2_PARTS])
    tests = [decided_share(f"share decided {word} ({LABELS[c]})", *differences(units, c),
                           level, sign, worst if need else 0.5)
             for c, sign, word, need in CLAIM2_PARTS]
    reason = "; ".join(f"{word}: {tt.outcome} ({tt.note.split(';')[0]})"
                       for (_, _, word, _), tt in zip(CLAIM2_PARTS, tests))
    return ClaimResult(2, verdict_of(tests), op, reason, [t], tests=tests)


# ------------------------------------------------------------------------ claim 3
def llama_pairs(means: Means) -> list[tuple[str, str]]:
    """(llama-<size>, llama-2-<size>) zero-shot vanilla pairs of the same size."""
    vanilla = means.zero_shot("vanilla")
    first = {LLAMA.match(m).group(1).lower(): m for m in vanilla if LLAMA.match(m)}
    second = {LLAMA2.match(m).group(1).lower(): m for m in vanilla if LLAMA2.match(m)}
    return [(first[s], second[s]) for s in sorted(first) if s in second]


def claim3(means: Means) -> ClaimResult:
    margin = means.params.claims.same_margin
    op = ("Pairs: llama-<size> and llama-2-<size> (vanilla, zero-shot, same size). At each "
          "decoding both ran, Δ = Llama-2 − Llama of the means over domains; the tests are on "
          "the mean Δ over these comparisons. Conformity improves: z-test, its interval above "
          f"0. Faithfulness stays the same: equivalence test (TOST) with margin ±{margin:g}, "
          "its (1 − 2α) interval inside the margin (contradicted when the level interval lies "
          f"wholly outside). Nothing else improves: diversity and performance stay below "
          f"+{margin:g} (the upper half of TOST; complexity has no 'better' direction and is "
          "shown only). PASS if all four hold, FAIL if one is decided against the claim.")
    pairs = llama_pairs(means)
    if not pairs:
        return ClaimResult(3, NOT_RUN, op, "this run has no Llama / Llama-2 pair of the same "
                           "size")
    units = [(f"{new} vs {old}", dec, means.get(old, dec), means.get(new, dec))
             for old, new in pairs for dec in means.params.grid.decodings
             if means.comparable(means.get(old, dec), means.get(new, dec))]
    units = [u for u in units if is_number(u[2][K.mauve], u[3][K.mauve],
                                           u[2][K.faithfulness], u[3][K.faithfulness])]
    if not units:
        return ClaimResult(3, NOT_RUN, op, "the Llama pairs share no decoding with values on "
                           "the same domains")
    level = means.level
    cols = [K.mauve, K.faithfulness, K.diversity, K.performance, K.complexity]
    t = Table("claim3", "Claim 3: Llama-2 − Llama at the same decoding (Δ ± se)",
              ["pair", "decoding"] + [f"Δ {LABELS[c]}" for c in cols])
    for name, dec, a, b in units:
        t.rows.append([name, dec] + [
            f"{b[c] - a[c]:+.3f} ± {math.hypot(a[c + '_se'], b[c + '_se']):.3f}"
            if is_number(a[c], b[c]) else "—" for c in cols])
    tests = [mean_difference("Δ conformity (improves: > 0)", *differences(units, K.mauve),
                             level, +1),
             equivalence("Δ faithfulness (stays the same)", *differences(units, K.faithfulness),
                         level, margin)]
    for c in (K.diversity, K.performance):
        ds, ses = differences(units, c)
        if ds:
            tests.append(non_superiority(f"Δ {c} (does not improve: < +{margin:g})", ds, ses,
                                         level, margin))
    reason = "; ".join(f"{tt.name.split(' (')[0]}: {tt.outcome}" for tt in tests)
    return ClaimResult(3, verdict_of(tests), op, reason + f" ({len(units)} comparisons)", [t],
                       tests=tests)


# ------------------------------------------------------------------------ all six
def evaluate_claims(run: RunData, params: Params) -> list[ClaimResult]:
    means = Means(run, params)
    return [check(means) for check in (claim1, claim2, claim3, claim4, claim5, claim6)]
