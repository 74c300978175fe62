package dev.runlaw.bench;

import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.forecast.ForecastModel;
import dev.runlaw.math.fit.LawFitter;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.law.MultiPowerLaw;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The authors' protocol fit: the law fitted jointly to cosine_24000 + constant_24000 + wsdcon_9 of one model
 * ({@link ReferenceRuns#FIT}) with the project's {@link LawFitter} at its default settings, from parsed runs (the
 * schedule terms are computed inside each fit, as in production). Laws:
 * <ul>
 *   <li>{@code momentum}: the momentum law with lambda chosen by the fitter among
 *       {@link MomentumLaw#DEFAULT_LAMBDAS} (what {@code ./runlaw backtest} does);</li>
 *   <li>{@code momentum-lambda-0.998}: the same with lambda fixed (0.998 is the value the default fit picks on
 *       both models; {@code runlaw bench forecast-fit} passes the value it picked): the problem the SciPy baseline
 *       solves;</li>
 *   <li>{@code multipower}: the multi-power law (Luo et al. 2025), plain (no prior), the problem of the SciPy
 *       multi-power baseline;</li>
 *   <li>{@code auto}: the default law of {@code ./runlaw backtest} and the live job, {@link ForecastModel#select}
 *       {@code (runs, "auto", false)}: both laws (the multi-power one with its kernel prior), the leave-one-run-out
 *       validation fits that weigh them, and the ensemble.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class JointFitBenchmark {
    @Param({"mpl-25m", "mpl-100m"})
    public String model;

    @Param({"momentum", "momentum-lambda-0.998", "multipower", "auto"})
    public String law;

    private List<RunObservations> runs;
    private LawFitter fitter;

    /** The benchmark name of the default law ({@link ForecastModel#select} with {@code auto}). */
    public static final String AUTO = "auto";

    /** Prefix of the momentum law with a fixed lambda, e.g. {@code momentum-lambda-0.998}. */
    public static final String FIXED_LAMBDA = "momentum-lambda-";

    /** The law a benchmark name stands for: {@code momentum}, {@code momentum-lambda-<lambda>}, {@code multipower}. */
    public static LossLaw law(String name) {
        if (name.startsWith(FIXED_LAMBDA)) {
            return MomentumLaw.withLambda(Double.parseDouble(name.substring(FIXED_LAMBDA.length())));
        }
        return switch (name) {
            case "momentum" -> MomentumLaw.create();
            case "multipower" -> MultiPowerLaw.create();
            default -> throw new IllegalArgumentException("unknown law " + name);
        };
    }

    @Setup
    public void setup() {
        runs = ReferenceRuns.observations(ReferenceRuns.curves(model, ReferenceRuns.FIT));
        if (law.equals(AUTO)) {
            if (!ForecastModel.select(runs, AUTO, false).ok()) {
                throw new IllegalStateException(model + " auto: a member fit failed");
            }
            return;
        }
        fitter = LawFitter.create(law(law));
        FitResult r = fitter.fit(runs);
        if (!r.ok()) {
            throw new IllegalStateException(model + " " + law + ": " + r);
        }
    }

    @Benchmark
    public Object jointFit() {
        return fitter == null ? ForecastModel.select(runs, AUTO, false) : fitter.fit(runs);
    }
}
