#!/usr/bin/env python3
"""SciPy baseline for `./runlaw bench forecast-fit`: fit the LR-annealing ("momentum") loss law of
Tissue et al. 2024, "Scaling Law with Learning Rate Annealing", arXiv 2408.11029,

    L(s) = L0 + A * S1(s)^(-alpha) - C * S2(s)
    S1(s) = sum_{i=1..s} eta_i                       (warmup steps counted at the peak LR eta_max)
    m_i   = lam * m_{i-1} + (eta_{i-1} - eta_i), m = 0 through the warmup;  S2(s) = sum_{i=1..s} m_i

jointly to several runs in the project's run format (CSV `step,lr,loss`, loss empty where not measured), by
minimising sum_i Huber_delta(ln Lhat_i - ln L_i), delta = 1e-3, over every measured post-warmup point (steps after
the end of the strictly increasing LR prefix), exactly the points and objective of the Java fitter
(dev.runlaw.math.fit.LawFitter). lambda is fixed (default 0.998, the value the Java fitter chooses on these runs).

Optimiser: scipy.optimize.minimize(method="L-BFGS-B") with the analytic gradient, from 81 starting points, a
3x3x3x3 grid over (L0, A, alpha, C); L0, A and C are optimised as logarithms (they are positive), all four within
bounds. The objective is divided by delta so that its gradient is O(1) (same minimiser); tolerances are tightened
so that L-BFGS-B converges instead of stopping on the small raw gradient. Everything per evaluation is numpy
vector arithmetic over the points. The best of the 81 local optima wins.

Timing: wall-clock seconds of the 81-start loop only (reading the CSVs and building S1/S2 are reported apart as
prep_seconds), repeated --repeats times; also its CPU time (time.process_time, this process), which a time-shared
machine inflates far less than wall time. Single process, single thread: the BLAS thread pools are limited to one
thread before numpy loads (unless the caller set them), as the Java fit is single-threaded too. On the shared 2-core
machine an idle OpenBLAS pool spinning against other processes made the fit 5-10x slower, which would flatter Java.

Output: one JSON object on stdout (params, objective, fit error = mean |pred - true| / true over the fit points,
PredE = the same mean over each predict file's measured post-warmup points).

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
from scipy.signal import lfilter  # noqa: E402

DELTA = 1e-3


def read_run(path):
    """Returns (name, steps, lr, loss) with loss NaN where empty."""
    steps, lrs, losses = [], [], []
    with open(path, encoding="utf-8-sig") as f:
        header = [c.strip().lower() for c in f.readline().strip().split(",")]
        i_s, i_lr, i_l = header.index("step"), header.index("lr"), header.index("loss")
        for line in f:
            cols = line.rstrip("\n").split(",")
            if len(cols) <= max(i_s, i_lr):
                continue
            steps.append(int(cols[i_s]))
            lrs.append(float(cols[i_lr]))
            v = cols[i_l].strip() if i_l < len(cols) else ""
            losses.append(float(v) if v else math.nan)
    name = os.path.splitext(os.path.basename(path))[0]
    return name, np.asarray(steps, dtype=np.int64), np.asarray(lrs), np.asarray(losses)


def timed(fit_once, repeats):
    """Runs fit_once() `repeats` times (at least once); returns its last result, wall and CPU seconds per run."""
    walls, cpus, result = [], [], None
    for _ in range(max(1, repeats)):
        c0 = time.process_time()
        t0 = time.perf_counter()
        result = fit_once()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return result, walls, cpus


def environment():
    """What the timing ran on, for the JSON output."""
    return {
        "python": sys.version.split()[0],
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }


def timing(prep, walls, cpus):
    """The timing fields of the JSON output."""
    return {
        "prep_seconds": prep,
        "wall_seconds": walls,
        "wall_seconds_mean": float(np.mean(walls)),
        "wall_seconds_min": float(np.min(walls)),
        "cpu_seconds": cpus,
    }


def areas(steps, lr, lam):
    """S1 and S2 at every step, with the paper's warmup convention (as dev.runlaw.math.schedule.MomentumAreas)."""
    n = len(lr)
    peak = 0
    while peak + 1 < n and lr[peak + 1] > lr[peak]:
        peak += 1
    counted = steps >= 1
    s1 = np.zeros(n)
    s2 = np.zeros(n)
    # Warmup (indices 0..peak): each counted step adds the highest LR so far, i.e. eta_max once at the peak.
    run_max = np.maximum.accumulate(lr[: peak + 1])
    s1[: peak + 1] = np.cumsum(counted[: peak + 1]) * run_max
    if n - peak - 1 > 0:
        post = lr[peak + 1:]
        prev = np.empty(len(post))
        prev[0] = run_max[-1]
        prev[1:] = post[:-1]
        d = np.where(counted[peak + 1:], prev - post, 0.0)
        m = lfilter([1.0], [1.0, -lam], d)
        s1[peak + 1:] = s1[peak] + np.cumsum(np.where(counted[peak + 1:], post, 0.0))
        s2[peak + 1:] = np.cumsum(np.where(counted[peak + 1:], m, 0.0))
    return peak, s1, s2


def points(path, lam):
    """Measured post-warmup points of one run: (name, S1, S2, loss)."""
    name, steps, lr, loss = read_run(path)
    peak, s1, s2 = areas(steps, lr, lam)
    idx = np.nonzero(~np.isnan(loss) & (np.arange(len(loss)) > peak))[0]
    return name, s1[idx], s2[idx], loss[idx]


def predict(theta, s1, s2):
    l0, a, alpha, c = theta
    return l0 + a * np.power(s1, -alpha) - c * s2


def huber(r):
    a = np.abs(r)
    return np.where(a <= DELTA, 0.5 * r * r, DELTA * (a - 0.5 * DELTA))


def make_objective(s1, s2, loss):
    ln_s1 = np.log(s1)
    ln_l = np.log(loss)

    def f(x):
        l0, a, alpha, c = math.exp(x[0]), math.exp(x[1]), x[2], math.exp(x[3])
        pw = np.exp(-alpha * ln_s1)
        lhat = l0 + a * pw - c * s2
        if np.any(lhat <= 0):
            return 1e30, np.zeros(4)
        r = np.log(lhat) - ln_l
        ar = np.abs(r)
        inner = ar <= DELTA
        val = np.sum(np.where(inner, 0.5 * r * r, DELTA * (ar - 0.5 * DELTA))) / DELTA
        g = np.where(inner, r, DELTA * np.sign(r)) / (DELTA * lhat)  # d(obj)/d(lhat)
        grad = np.array([
            l0 * np.sum(g),                       # d/d ln L0
            a * np.dot(g, pw),                    # d/d ln A
            -a * np.dot(g, pw * ln_s1),           # d/d alpha
            -c * np.dot(g, s2),                   # d/d ln C
        ])
        return val, grad

    return f


def fit(s1, s2, loss):
    """81-start L-BFGS-B; returns (best theta, best raw objective, starts converged, total iterations)."""
    f = make_objective(s1, s2, loss)
    min_l = float(np.min(loss))
    bounds = [(math.log(1e-3), math.log(min_l)), (math.log(1e-4), math.log(1e4)), (0.01, 3.0),
              (math.log(1e-6), math.log(1e4))]
    grid_l0 = [0.5 * min_l, 0.75 * min_l, 0.95 * min_l]
    grid_a = [0.1, 1.0, 10.0]
    grid_alpha = [0.2, 0.5, 1.0]
    grid_c = [0.1, 1.0, 10.0]
    best_x, best_f, ok, its = None, math.inf, 0, 0
    for l0 in grid_l0:
        for a in grid_a:
            for alpha in grid_alpha:
                for c in grid_c:
                    x0 = np.array([math.log(l0), math.log(a), alpha, math.log(c)])
                    res = minimize(f, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                                   options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9})
                    its += int(res.nit)
                    if res.success:
                        ok += 1
                    if np.isfinite(res.fun) and res.fun < best_f:
                        best_f, best_x = float(res.fun), res.x
    theta = [math.exp(best_x[0]), math.exp(best_x[1]), float(best_x[2]), math.exp(best_x[3])]
    return theta, best_f * DELTA, ok, its


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("fit", nargs=3, help="the three run CSVs fitted jointly")
    ap.add_argument("--predict", nargs="*", default=[], help="run CSVs to score PredE on")
    ap.add_argument("--lambda", dest="lam", type=float, default=0.998, help="momentum factor (default 0.998)")
    ap.add_argument("--repeats", type=int, default=3, help="times the 81-start fit is timed (default 3)")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    runs = [points(p, args.lam) for p in args.fit]
    s1 = np.concatenate([r[1] for r in runs])
    s2 = np.concatenate([r[2] for r in runs])
    loss = np.concatenate([r[3] for r in runs])
    prep = time.perf_counter() - t0

    (theta, obj, ok, its), walls, cpus = timed(lambda: fit(s1, s2, loss), args.repeats)

    fit_err = float(np.mean(np.abs(predict(theta, s1, s2) - loss) / loss))
    pred = {}
    for p in args.predict:
        name, ps1, ps2, pl = points(p, args.lam)
        pred[name] = float(np.mean(np.abs(predict(theta, ps1, ps2) - pl) / pl))
    out = {
        "method": "scipy.optimize.minimize L-BFGS-B, 81 starts (3x3x3x3 grid), analytic gradient",
        **environment(),
        "lambda": args.lam,
        "points": int(len(loss)),
        **timing(prep, walls, cpus),
        "starts": 81,
        "starts_converged": ok,
        "iterations": its,
        "params": dict(zip(["L0", "A", "alpha", "C"], theta)),
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
