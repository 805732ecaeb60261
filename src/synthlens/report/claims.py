"""The paper's six claims and what checking them works with: the claim texts, one ClaimResult
per claim (its verdict, the tests it rests on, its tables), Table 2's means with a standard
error per value (Means) that every check reads, and claims.md. The checks are in
claim_checks.py (claims 1-3) and claim_curves.py (claims 4-6), the statistics in
claim_stats.py.

Verdicts: PASS or FAIL only when the effect clears its uncertainty, INCONCLUSIVE otherwise,
NOT RUN when the run lacks what the claim is about. The margins and the level are params
`claims` (this project's choices; the paper gives none) and are printed with every verdict.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Params
from ..metrics.schema import K
from .claim_stats import (FAIL, INCONCLUSIVE, NOT_RUN, PASS, Test, draws_error,
                          standard_error)
from .rundata import CHARACTERISTICS, RunData, domain_means
from .tabular import Table, is_number, to_markdown

__all__ = ["PASS", "FAIL", "INCONCLUSIVE", "NOT_RUN", "CLAIMS", "ClaimResult", "Means",
           "claims_markdown"]

CLAIMS = {
    1: "Instruction-tuned models are more faithful but less diverse and less conform than "
       "their vanilla counterparts at the same temperature.",
    2: "ChatGPT is very faithful but simple, not diverse and not conform, and its datasets "
       "perform among the worst.",
    3: "Llama-2 improves over Llama only in conformity; faithfulness stays the same.",
    4: "Falcon-7B is worse on the diversity-faithfulness and diversity-conformity trade-offs.",
    5: "Temperature drives the trade-offs; the top-p 0.9 point lies on the temperature curve.",
    6: "Diversity vs conformity is roughly quadratic (inverted U).",
}


@dataclass
class ClaimResult:
    number: int
    verdict: str
    operationalisation: str
    reason: str
    tables: list[Table] = field(default_factory=list)
    intervals: str = ""   # where the uncertainties come from (claim_intervals.annotate)
    tests: list[Test] = field(default_factory=list)

    @property
    def claim(self) -> str:
        return CLAIMS[self.number]


class Means:
    """Table 2's numbers: means over domains per (model, decoding), this run's grid only, each
    characteristic c with its standard error `c_se` and where that comes from (`c_se_from`):
    the std of the mean's bootstrap draws (report/domain_intervals.py) where the metrics files
    keep draws, else the mean's bootstrap interval and the seed std (claim_stats)."""

    def __init__(self, run: RunData, params: Params):
        self.params = params
        self.level = params.claims.level
        interval_level = params.analyses.bootstrap_level
        self.by = {}
        for r in domain_means(run):
            if r["kind"] != "synthetic":
                continue
            boot = r.get("bootstrap") or {}
            for c in CHARACTERISTICS:
                r[f"{c}_se"], r[f"{c}_se_from"] = draws_error((boot.get(K.draws) or {}).get(c))
                if r[f"{c}_se_from"] == "none":
                    r[f"{c}_se"], r[f"{c}_se_from"] = standard_error(
                        r[c], r.get(f"{c}_ci_low", float("nan")),
                        r.get(f"{c}_ci_high", float("nan")), r.get(f"{c}_std", float("nan")),
                        boot.get("level") or interval_level)
            self.by[(r["model"], r["decoding"])] = r
        self.models = [m for m in params.grid.models if any(k[0] == m for k in self.by)]

    def get(self, model: str, decoding: str) -> dict | None:
        return self.by.get((model, decoding))

    def spec(self, model: str):
        return self.params.models[model]

    def zero_shot(self, family: str | None = None) -> list[str]:
        return [m for m in self.models if not self.spec(m).shots and
                (family is None or self.spec(m).family == family)]

    def curve(self, model: str, x: str, y: str) -> list[dict]:
        """The model's temperature points (top-p = 1) with both values, ordered by T."""
        pts = [r for (m, _), r in self.by.items() if m == model and r[K.top_p] == 1.0 and
               is_number(r[x], r[y])]
        return sorted(pts, key=lambda r: r[K.temperature])

    def comparable(self, a: dict | None, b: dict | None) -> bool:
        """Both exist and were averaged over the same domains."""
        return a is not None and b is not None and a["domains"] == b["domains"]


# ------------------------------------------------------------------------ claims.md
def _second_section(results: list[ClaimResult], second: list[ClaimResult]) -> list[str]:
    main = {r.number: r for r in results}
    lines = ["", "## Under the second classifier backbone and MAUVE featurizer", "",
             "The same tests with faithfulness, complexity, performance and conformity "
             "replaced by the second backbone's / featurizer's values (`faithfulness_2`, "
             "`complexity_2`, `performance_2`, `mauve_2`; diversity is unchanged). Their "
             "uncertainty is their own bootstrap interval where the metrics file has one, "
             "else the main value's interval moved onto the second value (the same samples, "
             "resampled the same way), plus their own seed std.", "",
             "| # | main | second | agree |", "|---|---|---|---|"]
    disagree = []
    for s in second:
        m = main.get(s.number)
        agree = "yes" if m and m.verdict == s.verdict else "no"
        lines.append(f"| {s.number} | {m.verdict if m else '—'} | {s.verdict} | {agree} |")
        if agree == "no":
            disagree.append(f"claim {s.number} is {m.verdict if m else '—'} with the main "
                            f"models but {s.verdict} with the second ones ({s.reason})")
        elif m:
            theirs = {t.name: t.outcome for t in m.tests}
            disagree += [f"claim {s.number}, {t.name}: {theirs[t.name]} with the main models, "
                         f"{t.outcome} with the second ones (same verdict)"
                         for t in s.tests if theirs.get(t.name, t.outcome) != t.outcome]
    lines += ["", ("**Disagreements.** " + "; ".join(disagree) + ". A verdict that changes "
                   "with the backbone or featurizer rests on that choice.") if disagree else
              "**Disagreements.** none: every verdict is the same under both."]
    for s in second:
        if s.tests:
            lines += ["", f"Claim {s.number} (second): " + "; ".join(t.text() for t in s.tests)
                      + "."]
    return lines


def claims_markdown(results: list[ClaimResult], run: RunData, params: Params,
                    second: list[ClaimResult] | None = None) -> str:
    g, c = params.grid, params.claims
    lines = ["# The paper's claims, checked on this run", "",
             f"Profile `{params.profile}`: {len(g.models)} models ({', '.join(g.models)}) × "
             f"{len(g.domains)} domains ({', '.join(g.domains)}) × {len(g.decodings)} decodings "
             f"({', '.join(g.decodings)}); {len(run.rows)} metrics files read.", "",
             "Every number is a mean over domains as in Table 2 (`table2_models.md`); a model "
             "pair is compared only where both were averaged over the same domains. Each value's "
             "uncertainty is its standard error: the std of its bootstrap draws (which resample the "
             "classifier seeds too) where the metrics files keep them, else the half-width of "
             f"its bootstrap interval (at {params.analyses.bootstrap_level:.0%}) over the "
             "normal quantile with its seed std added in quadrature. A verdict is **PASS** or "
             "**FAIL** only when every test it rests on is decided (its interval, at "
             f"{c.level:.0%} unless said, clears the uncertainty), **INCONCLUSIVE** when "
             "a test is undecided, **NOT RUN** when the run lacks what the claim is about. "
             f"Params `claims`: same = within ±{c.same_margin:g} (TOST), on the curve = "
             f"closer than {c.curve_margin:g}, among the worst = below at least "
             f"{c.worst_share:.0%} of the other models, at least {c.min_temperatures} "
             f"temperatures for the curvature test, {c.draws} parametric bootstrap draws.", ""]
    if run.missing:
        lines += [f"**{len(run.missing)} grid cell(s) have no metrics file** and are left out: " +
                  ", ".join(run.missing), ""]
    second_by = {s.number: s.verdict for s in second or []}
    head = "| # | claim | verdict |" + (" second backbone |" if second else "") + " numbers |"
    lines += [head, "|---|---|---|" + ("---|" if second else "") + "---|"]
    for r in results:
        extra = f" {second_by.get(r.number, '—')} |" if second else ""
        lines.append(f"| {r.number} | {r.claim} | **{r.verdict}** |{extra} {r.reason} |")
    for r in results:
        lines += ["", f"## Claim {r.number}: {r.verdict}", "", f"> {r.claim}", "",
                  f"**How it is checked.** {r.operationalisation}", "",
                  f"**Result.** {r.reason}.", ""]
        if r.tests:
            lines += ["**Tests.**", ""] + [f"- {t.text()}" for t in r.tests] + [""]
        if r.intervals:
            lines += [f"**Uncertainty.** {r.intervals}", ""]
        for t in r.tables:
            if t.rows:
                lines.append(to_markdown(t, heading="###"))
    if second:
        lines += _second_section(results, second)
    return "\n".join(lines).rstrip() + "\n"
