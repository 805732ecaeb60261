"""The paper's six claims and what checking them works with: the claim texts, the verdicts and
thresholds, one ClaimResult per claim, Table 2's means (Means) that every check reads, and
claims.md. The checks themselves are in claim_checks.py.

The thresholds below are this project's choices (the paper gives none); they are printed with
every verdict.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Params
from .rundata import RunData, domain_means
from .tabular import Table, is_number, to_markdown

PASS, FAIL, NOT_RUN = "PASS", "FAIL", "NOT RUN"
SAME_TOL = 0.03      # claim 3: a difference within ±0.03 counts as "the same"
TOPP_TOL = 0.05      # claim 5: top-p point within 0.05 of the temperature curve is "on" it
WORST_SHARE = 2 / 3  # claim 2: "among the worst" = below at least 2/3 of the other models

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
    intervals: str = ""   # are the differences inside the bootstrap intervals (claim_intervals)

    @property
    def claim(self) -> str:
        return CLAIMS[self.number]


# ------------------------------------------------------------------------ helpers
def majority(flags: list[bool]) -> bool:
    return bool(flags) and sum(flags) > len(flags) / 2


class Means:
    """Table 2's numbers: means over domains per (model, decoding), this run's grid only."""

    def __init__(self, run: RunData, params: Params):
        self.params = params
        self.by = {(r["model"], r["decoding"]): r for r in domain_means(run)
                   if r["kind"] == "synthetic"}
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
        pts = [r for (m, _), r in self.by.items() if m == model and r["top_p"] == 1.0 and
               is_number(r[x], r[y])]
        return sorted(pts, key=lambda r: r["temperature"])

    def comparable(self, a: dict | None, b: dict | None) -> bool:
        """Both exist and were averaged over the same domains."""
        return a is not None and b is not None and a["domains"] == b["domains"]


def _f(v, digits: int = 3) -> str:
    return "—" if not is_number(v) else f"{v:+.{digits}f}" if digits < 0 else f"{v:.{digits}f}"


# ------------------------------------------------------------------------ claims.md
def claims_markdown(results: list[ClaimResult], run: RunData, params: Params) -> str:
    g = params.grid
    lines = ["# The paper's claims, checked on this run", "",
             f"Profile `{params.profile}`: {len(g.models)} models ({', '.join(g.models)}) × "
             f"{len(g.domains)} domains ({', '.join(g.domains)}) × {len(g.decodings)} decodings "
             f"({', '.join(g.decodings)}); {len(run.rows)} metrics files read.", "",
             "Every number is a mean over domains as in Table 2 (`table2_models.md`); a model "
             "pair is compared only where both were averaged over the same domains. Verdicts: "
             "PASS, FAIL, or NOT RUN when the run lacks what the claim is about. Thresholds "
             f"are this project's choices: same = within ±{SAME_TOL}, on the curve = within "
             f"{TOPP_TOL}, among the worst = below {WORST_SHARE:.0%} of the other models. "
             "Under each verdict, 'Bootstrap intervals' says which of the differences it rests "
             "on lie inside the datasets' bootstrap intervals.", ""]
    if run.missing:
        lines += [f"**{len(run.missing)} grid cell(s) have no metrics file** and are left out: " +
                  ", ".join(run.missing), ""]
    lines += ["| # | claim | verdict | numbers |", "|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.number} | {r.claim} | **{r.verdict}** | {r.reason} |")
    for r in results:
        lines += ["", f"## Claim {r.number}: {r.verdict}", "", f"> {r.claim}", "",
                  f"**How it is checked.** {r.operationalisation}", "",
                  f"**Result.** {r.reason}.", ""]
        if r.intervals:
            lines += [f"**Bootstrap intervals.** {r.intervals}", ""]
        for t in r.tables:
            if t.rows:
                lines.append(to_markdown(t, heading="###"))
    return "\n".join(lines).rstrip() + "\n"
