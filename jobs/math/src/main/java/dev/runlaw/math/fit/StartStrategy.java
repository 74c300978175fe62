package dev.runlaw.math.fit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where Levenberg–Marquardt starts, and which starts run to convergence, over the law variants of one fit (one
 * {@link LawProblem} per variant, in the variants' order). See {@link LawFitter} for the strategies:
 * <ul>
 *   <li>warm start ({@link #warm}): LM from a previous fit's parameters;</li>
 *   <li>exhaustive ({@code starts > 0}): the best {@code starts} projected grid points of every variant;</li>
 *   <li>default ({@code starts <= 0}): refined projected starts of the middle (pilot) variant; with several
 *       variants, each is screened by a {@link LawFitter#SCREEN_ITERATIONS}-iteration LM outward from the pilot,
 *       a direction stopping at the first variant screening more than {@link LawFitter#VARIANT_MARGIN} above the
 *       best so far, and only the variants within that margin run to convergence.</li>
 * </ul>
 * The lowest objective among converged runs wins. Counts iterations, evaluations and starts across all runs.
 * Mutable, single-use.
 */
final class StartStrategy {
    private final int starts;
    private final int maxIterations;
    LmProblem best;
    int iterations;
    int evaluations;
    int startsRun;
    String lastError = "no start converged";

    /**
     * @param starts        LM starts per variant for the exhaustive strategy; 0 or less for the default
     * @param maxIterations LM iteration limit per start
     */
    StartStrategy(int starts, int maxIterations) {
        this.starts = starts;
        this.maxIterations = maxIterations;
    }

    /** LM from {@code params}; kept as the best when it converges. A library failure is recorded, not thrown. */
    void warm(LawProblem problem, double[] params) {
        LmProblem p = new LmProblem(problem);
        try {
            p.optimize(params, maxIterations);
            startsRun++;
            iterations += p.iterations;
            evaluations += p.evaluations;
            if (p.converged()) {
                best = p;
            }
        } catch (RuntimeException e) {
            lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /** Runs the exhaustive or default strategy over {@code variants}; {@link #best} is the winner or null. */
    void search(List<LawProblem> variants) {
        List<VariableProjection> projections = new ArrayList<>();
        for (LawProblem v : variants) {
            projections.add(new VariableProjection(v));
        }
        List<List<double[]>> plan = new ArrayList<>();
        if (starts > 0) {
            for (VariableProjection vp : projections) {
                plan.add(vp.starts(starts, false));
            }
        } else {
            int pilotIndex = variants.size() / 2;
            List<double[]> pilotStarts = projections.get(pilotIndex).starts(LawFitter.DEFAULT_STARTS, true);
            if (variants.size() == 1) {
                plan.add(pilotStarts);
            } else if (pilotStarts.isEmpty()) {
                // No usable projected start for the pilot: every variant from its own.
                for (VariableProjection vp : projections) {
                    plan.add(vp.starts(1, true));
                }
            } else {
                plan.addAll(screen(variants, projections, pilotStarts));
            }
        }
        for (int vi = 0; vi < variants.size(); vi++) {
            for (double[] start : plan.get(vi)) {
                LmProblem p = new LmProblem(variants.get(vi));
                startsRun++;
                try {
                    p.optimize(start, maxIterations);
                } catch (RuntimeException e) {
                    lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                    continue;
                } finally {
                    iterations += p.iterations;
                    evaluations += p.evaluations;
                }
                if (p.converged() && (best == null || p.objective < best.objective)) {
                    best = p;
                }
            }
        }
    }

    /**
     * Screens the variants outward from the pilot along their order (fit quality is taken to be unimodal along
     * the order, see {@code LossLaw#variants}); per variant, the starts to run to convergence: the best screening
     * point when it is within the margin and not yet converged, else none.
     */
    private List<List<double[]>> screen(List<LawProblem> variants, List<VariableProjection> projections,
                                        List<double[]> pilotStarts) {
        List<LmProblem> screened = new ArrayList<>(Collections.nCopies(variants.size(), null));
        double bestScreen = Double.POSITIVE_INFINITY;
        int pilotIndex = variants.size() / 2;
        int[][] walks = {{pilotIndex}, {pilotIndex - 1, -1}, {pilotIndex + 1, 1}};
        for (int[] walk : walks) {
            for (int vi = walk[0]; vi >= 0 && vi < variants.size(); vi += walk.length > 1 ? walk[1] : 0) {
                LmProblem bestOfVariant = null;
                for (double[] ps : pilotStarts) {
                    double[] start = projections.get(vi).projectAt(ps);
                    if (start == null) {
                        continue;
                    }
                    LmProblem p = new LmProblem(variants.get(vi));
                    startsRun++;
                    p.optimize(start, Math.min(LawFitter.SCREEN_ITERATIONS, maxIterations));
                    iterations += p.iterations;
                    evaluations += p.evaluations;
                    if (p.bestParams != null && Double.isFinite(p.objective)
                            && (bestOfVariant == null || p.objective < bestOfVariant.objective)) {
                        bestOfVariant = p;
                    }
                }
                screened.set(vi, bestOfVariant);
                if (bestOfVariant != null) {
                    bestScreen = Math.min(bestScreen, bestOfVariant.objective);
                    if (bestOfVariant.finished && bestOfVariant.converged()
                            && (best == null || bestOfVariant.objective < best.objective)) {
                        best = bestOfVariant;
                    }
                }
                if (walk.length == 1 || bestOfVariant == null
                        || bestOfVariant.objective > bestScreen * (1 + LawFitter.VARIANT_MARGIN)) {
                    break;
                }
            }
        }
        List<List<double[]>> plan = new ArrayList<>();
        for (LmProblem sp : screened) {
            boolean refine = sp != null && sp.objective <= bestScreen * (1 + LawFitter.VARIANT_MARGIN);
            plan.add(refine && !sp.finished ? List.of(sp.bestParams) : List.of());
        }
        return plan;
    }
}
