#!/usr/bin/env python3
"""SciPy baseline for `./runlaw bench forecast-fit`: fit the multi-power law of Luo et al., "A Multi-Power Law for
Loss Curve Prediction Across Learning Rate Schedules", ICLR 2025, arXiv 2503.12811 (eq. 1),

    L(t)   = L0 + A * (S1(t) + S_W)^(-alpha) - LD(t)
    LD(t)  = B * sum_{k=W+1..t} (eta_{k-1} - eta_k) * G(eta_k^(-gamma) * S_k(t)),   G(x) = 1 - (C x + 1)^(-beta)
    S_k(t) = sum_{tau=k..t} eta_tau

jointly to several runs in the project's run format (CSV `step,lr,loss`, loss empty where not measured), by
minimising sum_i Huber_delta(ln Lhat_i - ln L_i), delta = 1e-3, over every measured post-warmup point (steps after
the end of the strictly increasing LR prefix, W), the points, objective and bounds of the Java fitter
(dev.runlaw.math.fit.LawFitter with dev.runlaw.math.law.MultiPowerLaw): 0 <= L0 <= min loss, A, B, C >= 0,
0.01 <= alpha <= 3, 0.2 <= beta <= 5, 0 <= gamma <= 2. `--prior STRENGTH` adds the Java fitter's log-normal prior
on the kernel (C = 1, beta = gamma = 0.5; ForecastModel.MULTIPOWER_PRIOR); the default 0 is the plain law.

The loss-drop sum uses the same representation as the Java law (built once per run, outside the timed fit, as the
momentum baseline builds S1/S2 outside): going back from t, drop steps are grouped into blocks of at most
max(1, 0.2 * (t - k)) steps, each one node (total drop, drop-weighted mean LR, mean S_k(t)); so both sides evaluate
the same function, with the same number of kernel terms.

Optimiser: scipy.optimize.minimize(method="L-BFGS-B") with the analytic gradient, from 81 starting points, a
3x3x3x3 grid over the law's non-linear parameters (alpha, C, beta, gamma); at each start L0, A and B are set by
weighted linear least squares on the relative residual (the law is linear in them), then all seven are optimised,
L0, A, B and C as logarithms, all within bounds. As in the momentum baseline, the objective is divided by delta and
the tolerances are tightened; every evaluation is numpy vector arithmetic over all kernel terms. The best of the 81
local optima wins.

Timing: wall-clock seconds of the 81-start loop only (reading the CSVs and building the blocks are reported apart as
prep_seconds), repeated --repeats times, with its CPU time (time.process_time); BLAS limited to one thread (see scipy_momentum_fit.py for why).

Output: one JSON object on stdout (params, objective, fit error, PredE per predict file and their mean).

Standard library + numpy + scipy only.
"""
import argparse
import json
import math
import os
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402  (after the thread limits, which numpy reads when it loads)
import scipy  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

from scipy_momentum_fit import environment, read_run, timed, timing  # noqa: E402  (shared CSV reading, timing)

DELTA = 1e-3
BLOCK_RATIO = 0.2
NAMES = ["L0", "A", "alpha", "B", "C", "beta", "gamma"]
PRIOR_MEAN = {4: 1.0, 5: 0.5, 6: 0.5}


def warmup_end(lr):
    peak = 0
    while peak + 1 < len(lr) and lr[peak + 1] > lr[peak]:
        peak += 1
    return peak


def blocks(steps, lr, idx, peak):
    """Kernel terms at the query indices idx: (area, term point index, drop weight, ln eta, S)."""
    area = np.cumsum(lr)
    drop = np.zeros(len(lr))
    drop[1:] = lr[:-1] - lr[1:]
    drop[: peak + 1] = 0.0
    prev_area = np.zeros(len(lr))
    prev_area[1:] = area[:-1]
    pos, neg = np.where(drop > 0, drop, 0.0), np.where(drop < 0, -drop, 0.0)
    # Prefix sums (index k = sum over steps <= k) of |drop|, |drop| * eta, |drop| * area(k - 1), per sign.
    pre = [np.concatenate(([0.0], np.cumsum(x))) for x in
           (pos, pos * lr, pos * prev_area, neg, neg * lr, neg * prev_area)]
    pt, w, ln_eta, s = [], [], [], []
    for i, t in enumerate(idx):
        at = area[t]
        hi = t
        while hi > peak:
            length = max(1, int((t - hi) * BLOCK_RATIO))
            lo = max(peak, hi - length)
            for o, sign in ((0, 1.0), (3, -1.0)):
                wt = pre[o][hi + 1] - pre[o][lo + 1]
                if wt > 0:
                    pt.append(i)
                    w.append(sign * wt)
                    ln_eta.append(math.log(max((pre[o + 1][hi + 1] - pre[o + 1][lo + 1]) / wt, 1e-30)))
                    s.append(at - (pre[o + 2][hi + 1] - pre[o + 2][lo + 1]) / wt)
            hi = lo
    return area[idx], np.asarray(pt, dtype=np.int64), np.asarray(w), np.asarray(ln_eta), np.asarray(s)


def points(path):
    """Measured post-warmup points of one run and their kernel terms."""
    name, steps, lr, loss = read_run(path)
    peak = warmup_end(lr)
    idx = np.nonzero(~np.isnan(loss) & (np.arange(len(loss)) > peak))[0]
    area, pt, w, ln_eta, s = blocks(steps, lr, idx, peak)
    return name, area, pt, w, ln_eta, s, loss[idx]


def concat(runs):
    """Joins runs into one problem (term point indices shifted)."""
    area, pt, w, ln_eta, s, loss = [], [], [], [], [], []
    off = 0
    for r in runs:
        area.append(r[1])
        pt.append(r[2] + off)
        w.append(r[3])
        ln_eta.append(r[4])
        s.append(r[5])
        loss.append(r[6])
        off += len(r[6])
    return tuple(np.concatenate(x) for x in (area, pt, w, ln_eta, s, loss))


def law(theta, prob, with_grad=False):
    """Lhat at every point (and the per-point columns dLhat/dtheta when asked)."""
    area, pt, w, ln_eta, s, loss = prob
    l0, a, alpha, b, c, beta, gamma = theta
    n = len(loss)
    ln_s1 = np.log(area)
    pw = np.exp(-alpha * ln_s1)
    x = np.exp(-gamma * ln_eta) * s
    u = c * x + 1.0
    ln_u = np.log(u)
    u_pow = np.exp(-beta * ln_u)
    sum_g = np.bincount(pt, weights=w * (1.0 - u_pow), minlength=n)
    lhat = l0 + a * pw - b * sum_g
    if not with_grad:
        return lhat
    common = w * beta * u_pow / u
    d_c = np.bincount(pt, weights=common * x, minlength=n)
    d_beta = np.bincount(pt, weights=w * u_pow * ln_u, minlength=n)
    d_gamma = -np.bincount(pt, weights=common * c * ln_eta * x, minlength=n)
    cols = [np.ones(n), pw, -a * pw * ln_s1, -sum_g, -b * d_c, -b * d_beta, -b * d_gamma]
    return lhat, cols


def to_theta(x):
    return [math.exp(x[0]), math.exp(x[1]), x[2], math.exp(x[3]), math.exp(x[4]), x[5], x[6]]


def make_objective(prob, prior):
    ln_l = np.log(prob[5])
    coef2 = prior * len(ln_l) * DELTA * DELTA  # strength * W * delta^2 (all weights 1)

    def f(x):
        theta = to_theta(x)
        lhat, cols = law(theta, prob, with_grad=True)
        if np.any(lhat <= 0) or not np.all(np.isfinite(lhat)):
            return 1e30, np.zeros(7)
        r = np.log(lhat) - ln_l
        ar = np.abs(r)
        inner = ar <= DELTA
        val = np.sum(np.where(inner, 0.5 * r * r, DELTA * (ar - 0.5 * DELTA)))
        g = np.where(inner, r, DELTA * np.sign(r)) / lhat  # d(obj)/d(lhat)
        grad = np.array([np.dot(g, col) for col in cols])
        for j in (0, 1, 3, 4):  # optimised as logarithms
            grad[j] *= theta[j]
        for j, m in PRIOR_MEAN.items():
            if coef2 > 0:
                lv = math.log(theta[j]) - math.log(m)
                val += 0.5 * coef2 * lv * lv
                grad[j] += coef2 * lv * (1.0 if j == 4 else 1.0 / theta[j])
        return val / DELTA, grad / DELTA

    return f


def project(prob, alpha, c, beta, gamma, min_l):
    """L0, A, B by weighted least squares on the relative residual at the given non-linear parameters."""
    _, cols = law([1.0, 1.0, alpha, 1.0, c, beta, gamma], prob, with_grad=True)
    loss = prob[5]
    design = np.stack([cols[0], cols[1], cols[3]], axis=1) / loss[:, None]
    coef, *_ = np.linalg.lstsq(design, np.ones(len(loss)), rcond=None)
    l0 = min(max(coef[0], 1e-3), 0.999 * min_l)
    return l0, max(coef[1], 1e-4), max(coef[2], 1e-6)


def fit(prob, prior):
    """81-start L-BFGS-B; returns (best theta, best raw objective, starts converged, total iterations)."""
    f = make_objective(prob, prior)
    min_l = float(np.min(prob[5]))
    bounds = [(math.log(1e-3), math.log(min_l)), (math.log(1e-4), math.log(1e4)), (0.01, 3.0),
              (math.log(1e-6), math.log(1e6)), (math.log(1e-6), math.log(1e6)), (0.2, 5.0), (0.0, 2.0)]
    best_x, best_f, ok, its = None, math.inf, 0, 0
    for alpha in (0.3, 0.5, 0.8):
        for c in (0.3, 2.0, 10.0):
            for beta in (0.3, 0.6, 1.0):
                for gamma in (0.3, 0.6, 0.9):
                    l0, a, b = project(prob, alpha, c, beta, gamma, min_l)
                    x0 = np.array([math.log(l0), math.log(a), alpha, math.log(b), math.log(c), beta, gamma])
                    x0 = np.clip(x0, [lo for lo, _ in bounds], [hi for _, hi in bounds])
                    res = minimize(f, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                                   options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9})
                    its += int(res.nit)
                    if res.success:
                        ok += 1
                    if np.isfinite(res.fun) and res.fun < best_f:
                        best_f, best_x = float(res.fun), res.x
    return to_theta(best_x), best_f * DELTA, ok, its


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("fit", nargs=3, help="the three run CSVs fitted jointly")
    ap.add_argument("--predict", nargs="*", default=[], help="run CSVs to score PredE on")
    ap.add_argument("--prior", type=float, default=0.0, help="kernel prior strength (default 0: none)")
    ap.add_argument("--repeats", type=int, default=1, help="times the 81-start fit is timed (default 1)")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    prob = concat([points(p) for p in args.fit])
    prep = time.perf_counter() - t0

    (theta, obj, ok, its), walls, cpus = timed(lambda: fit(prob, args.prior), args.repeats)

    loss = prob[5]
    fit_err = float(np.mean(np.abs(law(theta, prob) - loss) / loss))
    pred = {}
    for p in args.predict:
        r = points(p)
        pp = concat([r])
        pred[r[0]] = float(np.mean(np.abs(law(theta, pp) - pp[5]) / pp[5]))
    out = {
        "method": "scipy.optimize.minimize L-BFGS-B, 81 starts (3x3x3x3 grid over alpha, C, beta, gamma; "
                  "L0, A, B projected), analytic gradient",
        "law": "multipower",
        **environment(),
        "prior": args.prior,
        "points": int(len(loss)),
        "kernel_terms": int(len(prob[1])),
        **timing(prep, walls, cpus),
        "starts": 81,
        "starts_converged": ok,
        "iterations": its,
        "params": dict(zip(NAMES, theta)),
        "objective": obj,
        "fit_error": fit_err,
        "pred_e": pred,
        "pred_e_mean": float(np.mean(list(pred.values()))) if pred else None,
    }
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
