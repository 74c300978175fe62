package dev.runlaw.cli.bench;

import java.io.PrintStream;
import java.util.Arrays;

/** {@code ./runlaw bench <name> ...}: benchmarks that print their figures (never tests). */
public final class BenchCommand {
    private BenchCommand() {
    }

    public static int run(String[] args, PrintStream out) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: runlaw bench ingest [--records N] [--expert-records M] [--experts E]"
                    + " [--parallelism P] [--batch-rows B]\n"
                    + "       runlaw bench forecast-fit [--help for options]\n"
                    + "       " + ForecastBench.USAGE.substring("usage: ".length()) + "\n"
                    + "       runlaw bench gateway [--records N] [--threads T] [--batch B] [--no-gzip]");
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "ingest" -> IngestBench.run(rest, out);
            case "forecast-fit" -> ForecastFitBench.run(rest, out);
            case "forecast" -> ForecastBench.run(rest, out);
            case "gateway" -> GatewayBench.run(rest, out);
            default -> {
                System.err.println("runlaw bench: unknown benchmark '" + args[0] + "'");
                yield 2;
            }
        };
    }
}
