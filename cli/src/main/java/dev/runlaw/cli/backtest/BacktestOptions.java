package dev.runlaw.cli.backtest;

import java.nio.file.Path;
import java.util.List;

/**
 * Parsed arguments of {@code runlaw backtest} (see {@link BacktestCommand} for the flags).
 *
 * @param fit             runs fitted jointly on all their points
 * @param reference       finished runs of the same family, fitted jointly too (they supply the annealing terms)
 * @param predict         runs forecast under their own LR column and scored on their measured points
 * @param observeFraction fraction of each predicted run's steps that is observed (fitted) before forecasting
 * @param law             {@code momentum}, {@code multipower} or {@code auto}
 * @param report          where to write the JSON report, or null
 */
public record BacktestOptions(List<Path> fit, List<Path> reference, List<Path> predict, double observeFraction,
                              String law, Path report) {
}
