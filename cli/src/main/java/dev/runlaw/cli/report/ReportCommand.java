package dev.runlaw.cli.report;

import dev.runlaw.local.ClickHouseEndpoint;
import dev.runlaw.local.ClickHouseHttp;
import dev.runlaw.local.ProjectRoot;
import dev.runlaw.producers.command.CommandFailure;
import dev.runlaw.producers.command.Commands;
import dev.runlaw.producers.command.HelpOption;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./runlaw report --run ID | --family ID [--out DIR]}: writes each run's story as one self-contained HTML page
 * (inline SVG charts, no script, nothing loaded from the network) read from ClickHouse through the dashboards' own
 * panel SQL. ClickHouse is named as the jobs name it ({@code --clickhouse.url}, {@code .user}, {@code .password},
 * {@code .database}), each defaulting to the local stack's {@code RUNLAW_CLICKHOUSE_*} variable. Exit codes: 1 when
 * a run or family is not in ClickHouse or ClickHouse does not answer, 2 for a usage error.
 */
@Command(name = "report", sortOptions = false,
        description = {"Write one self-contained HTML page per run (loss with forecast band and what-ifs, LR, gradient "
                + "norm, B_simple against the batch, expert heat map and imbalance, alerts, advice) read from "
                + "ClickHouse with the dashboards' panel SQL. See docs/report.md."})
public final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    HelpOption help;
    @Option(names = "--run", paramLabel = "ID", order = 1, description = "A run to report (repeatable).")
    List<String> runs = new ArrayList<>();
    @Option(names = "--family", paramLabel = "ID", order = 2,
            description = "Report every run of this family, with an index.html (repeatable).")
    List<String> families = new ArrayList<>();
    @Option(names = "--out", paramLabel = "DIR", order = 3, defaultValue = "runlaw-reports",
            description = "Directory for the pages, created if needed (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--clickhouse.url", paramLabel = "URL", order = 4,
            defaultValue = "${env:RUNLAW_CLICKHOUSE_URL:-http://127.0.0.1:8123}",
            description = "ClickHouse HTTP URL (default: $RUNLAW_CLICKHOUSE_URL, else http://127.0.0.1:8123).")
    String url;
    @Option(names = "--clickhouse.user", paramLabel = "USER", order = 5,
            defaultValue = "${env:RUNLAW_CLICKHOUSE_USER:-default}",
            description = "ClickHouse user (default: $RUNLAW_CLICKHOUSE_USER, else default).")
    String user;
    @Option(names = "--clickhouse.password", paramLabel = "PASSWORD", order = 6,
            defaultValue = "${env:RUNLAW_CLICKHOUSE_PASSWORD:-}",
            description = "ClickHouse password (default: $RUNLAW_CLICKHOUSE_PASSWORD, else none).")
    String password;
    @Option(names = "--clickhouse.database", paramLabel = "DB", order = 7,
            defaultValue = "${env:RUNLAW_CLICKHOUSE_DATABASE:-runlaw}",
            description = "Database of runlaw's tables (default: $RUNLAW_CLICKHOUSE_DATABASE, else runlaw).")
    String database;
    @Option(names = "--dashboards", paramLabel = "DIR", order = 8,
            description = "Dashboard files whose panel SQL the report runs (default: the project's dashboards/).")
    Path dashboards;

    private final PrintStream stdout;

    public ReportCommand(PrintStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() {
        if (runs.isEmpty() && families.isEmpty()) {
            throw Commands.usage(spec, "name a run (--run ID) or a family (--family ID)");
        }
        ClickHouseEndpoint endpoint;
        try {
            endpoint = new ClickHouseEndpoint(url, user, password, database);
        } catch (IllegalArgumentException e) {
            throw Commands.usage(spec, "--clickhouse.url: " + e.getMessage());
        }
        ReportWriter writer = ReportWriter.create(new ClickHouseHttp(endpoint),
                dashboards != null ? dashboards : ProjectRoot.resolve("dashboards"));
        try {
            for (String run : runs) {
                stdout.println("report " + writer.writeRun(run, out));
            }
            for (String family : families) {
                writer.writeFamily(family, out).forEach(p -> stdout.println("report " + p));
            }
        } catch (ClickHouseHttp.ClickHouseException e) {
            throw new CommandFailure("cannot read the report's data from " + endpoint + ": " + e.getMessage(), e);
        }
        return Commands.OK;
    }
}
