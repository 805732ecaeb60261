"""The paper's claims 4-6, the ones about curves over temperature, as statistical checks over
Table 2's means (claims.Means): Falcon's place relative to other models' trade-off curves
(claim 4), the top-p points on the temperature curves in all three trade-off planes and
temperature moving the datasets (claim 5), and the curvature of conformity in diversity
(claim 6). Each statistic gets its interval from a parametric bootstrap: every point redrawn
from normals with its standard errors (claim_stats.parametric_draws), seeded by params `seed`.
"""
from __future__ import annotations

import numpy as np

from ..metrics.schema import K
from .claim_stats import (CONTRADICTED, HOLDS, NOT_RUN, UNCLEAR, Test, finite, nanmean_rows,
                          parametric_draws, percentile_interval, pooled_bootstrap_test,
                          verdict_of)
from .claims import ClaimResult, Means
from .rundata import LABELS, TRADEOFFS
from .tabular import Table

NAN = float("nan")


def _quiet(f):
    def wrapped(*a, **k):
        with np.errstate(invalid="ignore", divide="ignore"):
            return f(*a, **k)
    return wrapped


# ------------------------------------------------------------------- geometry (vectorised)
@_quiet
def curve_at(cx: np.ndarray, cy: np.ndarray, px: np.ndarray) -> np.ndarray:
    """y of piecewise-linear curves (rows of cx, cy, points in temperature order) at each x of
    px (rows of the same count); where a curve passes x several times, the mean of its
    crossings (no crossing is favoured); NaN outside the curve's x-range."""
    x0, x1, y0, y1 = cx[:, :-1, None], cx[:, 1:, None], cy[:, :-1, None], cy[:, 1:, None]
    p = px[:, None, :]
    inside = (np.minimum(x0, x1) <= p) & (p <= np.maximum(x0, x1))
    dx = x1 - x0
    y = np.where(dx != 0, y0 + (y1 - y0) * (p - x0) / np.where(dx != 0, dx, 1), (y0 + y1) / 2)
    y = np.where(inside, y, 0.0)
    n = inside.sum(axis=1)
    return np.where(n > 0, y.sum(axis=1) / np.maximum(n, 1), np.nan)


def interpolate(curve: list[tuple[float, float]], x: float) -> float | None:
    """y of one piecewise-linear curve at x (mean of its crossings); None outside its range."""
    c = np.asarray(curve, float)
    y = curve_at(c[None, :, 0], c[None, :, 1], np.array([[x]]))[0, 0]
    return None if np.isnan(y) else float(y)


@_quiet
def polyline_distance(px: np.ndarray, py: np.ndarray, cx: np.ndarray, cy: np.ndarray
                      ) -> np.ndarray:
    """Euclidean distance of each point (px, py), one per row, to its row's polyline (cx, cy)."""
    x0, x1, y0, y1 = cx[:, :-1], cx[:, 1:], cy[:, :-1], cy[:, 1:]
    dx, dy = x1 - x0, y1 - y0
    seg = dx * dx + dy * dy
    s = np.where(seg > 0, ((px[:, None] - x0) * dx + (py[:, None] - y0) * dy) /
                 np.where(seg > 0, seg, 1), 0.0).clip(0, 1)
    return np.hypot(px[:, None] - (x0 + s * dx), py[:, None] - (y0 + s * dy)).min(axis=1)


def distance_to_curve(curve: list[tuple[float, float]], p: tuple[float, float]) -> float:
    c = np.asarray(curve, float)
    return float(polyline_distance(np.array([p[0]]), np.array([p[1]]), c[None, :, 0],
                                   c[None, :, 1])[0])


def quadratic_coefficients(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares a of y = a·x² + b·x + c per row of x, y (n rows × k points, k ≥ 3)."""
    design = np.stack([x * x, x, np.ones_like(x)], axis=-1)           # (n, k, 3)
    coef = np.linalg.pinv(design) @ y[..., None]                       # (n, 3, 1)
    return coef[:, 0, 0]


def quadratic(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    a, b, c = np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 2)
    return float(a), float(b), float(c)


class Points:
    """Values and standard errors laid out in one vector for a parametric bootstrap; add()
    returns the slice a group of values occupies."""

    def __init__(self):
        self.values, self.ses = [], []

    def add(self, rows: list[dict], c: str) -> slice:
        start = len(self.values)
        self.values += [r[c] for r in rows]
        self.ses += [r[f"{c}_se"] for r in rows]
        return slice(start, len(self.values))

    def draws(self, statistic, means: Means, salt: int):
        p = means.params
        return parametric_draws(statistic, np.array(self.values), np.array(self.ses),
                                p.claims.draws, p.seed + salt)


def _interval(lo: float, hi: float) -> str:
    return f"[{lo:+.3f}, {hi:+.3f}]" if finite(lo, hi) else "—"


# ------------------------------------------------------------------------ claim 4
def claim4(means: Means) -> ClaimResult:
    op = ("Falcon-7B = a zero-shot vanilla model whose name starts with 'falcon'. For each "
          "trade-off (diversity → faithfulness, diversity → conformity) and each other zero-shot "
          "vanilla model with at least two temperature points: the gap = mean, over Falcon's "
          "temperature points (top-p 1, means over domains) whose diversity lies in the other "
          "model's range, of (the other model's piecewise-linear temperature curve − Falcon) "
          "at Falcon's diversity; where that curve passes the diversity more than once, the "
          "mean of its crossings. The mean gap over the other models gets its interval from a "
          "parametric bootstrap over every point's uncertainty (both axes): Falcon is worse if "
          "the interval lies above 0 and no model's own interval lies below. PASS if worse on "
          "both trade-offs, FAIL if decided better on one.")
    falcons = [m for m in means.zero_shot("vanilla") if m.lower().startswith("falcon")]
    if not falcons:
        return ClaimResult(4, NOT_RUN, op, "this run has no Falcon vanilla model")
    others = [m for m in means.zero_shot("vanilla") if m not in falcons]
    t = Table("claim4", "Claim 4: other model's curve − Falcon at Falcon's diversity",
              ["Falcon", "trade-off", "compared with", "points in range", "mean gap",
               f"{means.level:.0%} interval"])
    tests = []
    for falcon in falcons:
        for k, y in enumerate((K.faithfulness, K.mauve)):
            mine = means.curve(falcon, K.diversity, y)
            pts = Points()
            fx, fy = pts.add(mine, K.diversity), pts.add(mine, y)
            curves, names = [], []
            for other in others:
                rows = means.curve(other, K.diversity, y)
                if len(rows) >= 2 and mine:
                    curves.append((pts.add(rows, K.diversity), pts.add(rows, y)))
                    names.append(other)

            def gaps(v, curves=curves, fx=fx, fy=fy):
                return np.stack([nanmean_rows(curve_at(v[:, cx], v[:, cy], v[:, fx]) - v[:, fy])
                                 for cx, cy in curves], axis=1)

            if not curves:
                continue
            est, draws = pts.draws(gaps, means, salt=40 + k)
            keep = np.isfinite(est)
            for j, other in enumerate(names):
                inside = int(np.isfinite(curve_at(np.array([pts.values[curves[j][0]]]),
                                                  np.array([pts.values[curves[j][1]]]),
                                                  np.array([pts.values[fx]]))).sum())
                lo, hi = percentile_interval(draws[:, j], means.level)
                t.rows.append([falcon, f"diversity vs {LABELS[y]}", other, inside, est[j],
                               _interval(lo, hi)])
            if not keep.any():
                continue
            test, _ = pooled_bootstrap_test(
                f"{falcon}: mean gap on diversity vs {LABELS[y]} (Falcon worse: > 0)",
                f"parametric bootstrap, {means.params.claims.draws} draws, "
                f"{int(keep.sum())} model(s)", est[keep], draws[:, keep], means.level, +1)
            tests.append(test)
    if not tests or len(tests) < 2 * len(falcons):
        return ClaimResult(4, NOT_RUN, op, "no other vanilla model's temperature curve spans "
                           "Falcon's diversity on both trade-offs", [t], tests=tests)
    reason = "; ".join(f"{tt.name.split(' (')[0]}: {tt.outcome}" for tt in tests)
    return ClaimResult(4, verdict_of(tests), op, reason, [t], tests=tests)


# ------------------------------------------------------------------------ claim 5
def _on_curve_test(name: str, method: str, est: np.ndarray, draws: np.ndarray, level: float,
                   margin: float) -> Test:
    """Mean distance below the margin, like TOST: HOLDS if its (1 − 2α) interval's high end
    is below the margin (and no point's level interval lies wholly above it), CONTRADICTED if
    its level interval's low end is above it."""
    narrow = 2 * level - 1
    lo2, hi2 = percentile_interval(nanmean_rows(draws), narrow)
    lo, hi = percentile_interval(nanmean_rows(draws), level)
    off = sum(percentile_interval(draws[:, j], level)[0] > margin for j in range(est.size))
    note = ""
    if not finite(lo, hi, lo2, hi2):
        outcome, note = UNCLEAR, "no interval: some value has no measured uncertainty"
    elif lo > margin:
        outcome = CONTRADICTED
    elif hi2 < margin and not off:
        outcome = HOLDS
    else:
        outcome = UNCLEAR
        if hi2 < margin:
            note = f"mixed: {off} of {est.size} top-p points lie clearly off their curve"
    return Test(name, method, float(np.mean(est)), lo2, hi2, narrow, outcome, note)


def claim5(means: Means) -> ClaimResult:
    c = means.params.claims
    op = ("(a) The top-p point lies on the temperature curve, in each of the three trade-off "
          "planes (diversity–conformity, diversity–faithfulness, complexity–faithfulness): for "
          "every model with at least two temperature points (top-p 1) and every top-p < 1 "
          "decoding, the Euclidean distance in the plane (means over domains; both axes are "
          "fractions in [0, 1]) from the top-p point to the piecewise-linear curve through the "
          "temperature points, ordered by T. The mean distance per plane gets its interval from "
          "a parametric bootstrap over every point's uncertainty (both axes): on the curve if "
          f"its (1 − 2α) interval stays below {c.curve_margin:g} (an equivalence test, like "
          "TOST), off if its level interval lies above. (b) Temperature drives the trade-offs: "
          "the mean over models of the least-squares slope of diversity on T, its interval "
          "from the same bootstrap, lies above 0. PASS if all four hold, FAIL if one is "
          "decided against the claim.")
    tp = Table("claim5_topp", "Claim 5a: distance of each top-p point to its model's "
               "temperature curve, per trade-off plane",
               ["plane", "model", "decoding", "top-p", "T", "distance",
                f"{means.level:.0%} interval"])
    tt = Table("claim5_temperature", "Claim 5b: slope of diversity on temperature per model",
               ["model", "temperatures", "slope", f"{means.level:.0%} interval"])
    tests = []
    for k, (x, y, _, title) in enumerate(TRADEOFFS):
        pts, units = Points(), []
        for model in means.models:
            rows = means.curve(model, x, y)
            if len(rows) < 2:
                continue
            for dec in means.params.grid.decodings:
                r = means.get(model, dec)
                if r is None or r[K.top_p] >= 1.0 or not finite(r[x], r[y]):
                    continue
                units.append((model, r, pts.add([r], x), pts.add([r], y), pts.add(rows, x),
                              pts.add(rows, y)))
        if not units:
            continue

        def dist(v, units=units):
            return np.stack([polyline_distance(v[:, px].ravel(), v[:, py].ravel(), v[:, cx],
                                               v[:, cy]) for _, _, px, py, cx, cy in units],
                            axis=1)

        est, draws = pts.draws(dist, means, salt=50 + k)
        for j, (model, r, *_) in enumerate(units):
            tp.rows.append([title, model, r["decoding"], r[K.top_p], r[K.temperature], est[j],
                            _interval(*percentile_interval(draws[:, j], means.level))])
        tests.append(_on_curve_test(
            f"mean distance of the top-p points to the curve, {title.lower()} (on: < "
            f"{c.curve_margin:g})", f"parametric bootstrap, {c.draws} draws, {len(units)} "
            "point(s)", est, draws, means.level, c.curve_margin))
    if not tests:
        return ClaimResult(5, NOT_RUN, op, "no model has both a top-p < 1 point and a "
                           "temperature curve of two or more points", [tp, tt])
    pts, models = Points(), []
    for model in means.models:
        rows = means.curve(model, K.diversity, K.diversity)
        temps = np.array([r[K.temperature] for r in rows])
        if len(set(temps)) >= 2:
            models.append((model, temps, pts.add(rows, K.diversity)))

    def slopes(v):
        return np.stack([((v[:, sl] - v[:, sl].mean(axis=1, keepdims=True)) @
                          (ts - ts.mean())) / ((ts - ts.mean()) ** 2).sum()
                         for _, ts, sl in models], axis=1)

    if models:
        est, draws = pts.draws(slopes, means, salt=59)
        test, units = pooled_bootstrap_test(
            "mean slope of diversity on temperature (rises: > 0)",
            f"parametric bootstrap, {c.draws} draws, {len(models)} model(s)", est, draws,
            means.level, +1)
        for (model, ts, _), e, (lo, hi) in zip(models, est, units):
            tt.rows.append([model, ", ".join(f"{v:g}" for v in ts), e, _interval(lo, hi)])
    else:
        test = Test("mean slope of diversity on temperature (rises: > 0)", "no model has two "
                    "temperatures", NAN, NAN, NAN, means.level, UNCLEAR)
    tests.append(test)
    reason = "; ".join(f"{x.name.split(' (')[0]}: {x.outcome}" for x in tests)
    return ClaimResult(5, verdict_of(tests), op, reason, [tp, tt], tests=tests)


# ------------------------------------------------------------------------ claim 6
def claim6(means: Means) -> ClaimResult:
    c = means.params.claims
    op = (f"For every model with at least {c.min_temperatures} temperature points (top-p 1, "
          "means over domains, at least three distinct diversities): least-squares fit "
          "conformity = a·diversity² + b·diversity + c. A curvature test: the interval of a "
          "comes from a parametric bootstrap over every point's uncertainty (both axes), and "
          "so does the interval of the mean a over the fitted models. Inverted U if that "
          "interval lies below 0 and no model's own interval lies above 0; PASS then, FAIL if "
          "it lies above 0 (a U), INCONCLUSIVE if it holds 0. The column 'peak inside' says "
          "whether the fitted maximum −b/2a lies within the observed diversities "
          "(informational: with a peak outside, the curve is concave but monotone over the "
          "range seen).")
    t = Table("claim6", "Claim 6: quadratic fit of conformity on diversity per model",
              ["model", "points", "a", f"{means.level:.0%} interval of a", "b", "c",
               "peak at diversity", "peak inside"])
    pts, fits, skipped = Points(), [], []
    for model in means.models:
        rows = means.curve(model, K.diversity, K.mauve)
        xs = [r[K.diversity] for r in rows]
        if len({r[K.temperature] for r in rows}) < c.min_temperatures or len(set(xs)) < 3:
            skipped.append(f"{model} ({len(rows)})")
            continue
        fits.append((model, rows, pts.add(rows, K.diversity), pts.add(rows, K.mauve)))
    if skipped:
        t.notes.append(f"Fewer than {c.min_temperatures} temperature points with both values "
                       "(not fitted): " + ", ".join(skipped))
    if not fits:
        return ClaimResult(6, NOT_RUN, op, f"no model has {c.min_temperatures} temperature "
                           "points with both diversity and conformity (the curvature test "
                           f"needs them; points per model: {', '.join(skipped) or 'none'})", [t])

    def curvature(v):
        return np.stack([quadratic_coefficients(v[:, sx], v[:, sy]) for _, _, sx, sy in fits],
                        axis=1)

    est, draws = pts.draws(curvature, means, salt=60)
    test, units = pooled_bootstrap_test(
        "mean quadratic coefficient a (inverted U: < 0)",
        f"parametric bootstrap, {c.draws} draws, {len(fits)} model(s)", est, draws,
        means.level, -1)
    for (model, rows, sx, sy), (lo, hi) in zip(fits, units):
        a, b, cc = quadratic(pts.values[sx], pts.values[sy])
        peak = -b / (2 * a) if a != 0 else NAN
        inside = finite(peak) and min(pts.values[sx]) <= peak <= max(pts.values[sx])
        t.rows.append([model, len(rows), a, _interval(lo, hi), b, cc, peak,
                       "yes" if inside else "no"])
    return ClaimResult(6, verdict_of([test]), op, f"{test.outcome} ({test.text()})", [t],
                       tests=[test])
