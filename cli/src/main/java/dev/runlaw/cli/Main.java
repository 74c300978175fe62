package dev.runlaw.cli;

import dev.runlaw.cli.backtest.BacktestCommand;
import dev.runlaw.cli.bench.BenchCommand;
import dev.runlaw.cli.importer.ImportCommand;
import java.util.Arrays;

/**
 * Entry point of the {@code ./runlaw} launcher: dispatches {@code demo}, {@code backtest}, {@code bench} and
 * {@code import}, {@code gateway}.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: runlaw demo|backtest|bench|import|gateway ...");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "demo" -> System.exit(DemoCommand.run(rest, System.out));
            case "backtest" -> BacktestCommand.main(rest);
            case "bench" -> System.exit(BenchCommand.run(rest, System.out));
            case "import" -> System.exit(ImportCommand.run(rest, System.out, System.err));
            case "gateway" -> dev.runlaw.producers.gateway.Gateway.main(rest);
            default -> {
                System.err.println("runlaw: unknown command '" + args[0] + "'");
                System.exit(2);
            }
        }
    }
}
