package dev.runlaw.cli.report;

import dev.runlaw.local.ClickHouseHttp;
import dev.runlaw.producers.command.CommandFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes report pages read from ClickHouse: one self-contained HTML file per run ({@link RunPage}), named after the
 * run ({@link #fileName}), and for a family an {@code index.html} linking its runs. Used by {@code ./runlaw report}
 * and at the end of {@code ./runlaw demo}.
 */
public final class ReportWriter {
    private final PanelRunner runner;
    private final ReportPanels panels;
    private final Clock clock;

    private ReportWriter(PanelRunner runner, ReportPanels panels, Clock clock) {
        this.runner = runner;
        this.panels = panels;
        this.clock = clock;
    }

    /**
     * A writer reading {@code http}'s database through the panels of the dashboard files in {@code dashboards}.
     *
     * @throws IllegalStateException if a panel the report draws from is missing from the dashboards
     */
    public static ReportWriter create(ClickHouseHttp http, Path dashboards) {
        return new ReportWriter(new PanelRunner(http), ReportPanels.from(new Dashboards(dashboards)),
                Clock.systemUTC());
    }

    /**
     * Writes {@code runId}'s page into {@code outDir} (created if needed) and returns its path.
     *
     * @throws CommandFailure if the run has no step metrics in ClickHouse
     */
    public Path writeRun(String runId, Path outDir) {
        RunData data = RunData.read(runner, panels, runId);
        return write(outDir.resolve(fileName(runId)), RunPage.render(data, panels, clock.instant()));
    }

    /**
     * Writes a page per run of the family and an {@code index.html} listing them; returns the pages, index last.
     *
     * @throws CommandFailure if no run with step metrics belongs to the family
     */
    public List<Path> writeFamily(String familyId, Path outDir) {
        List<Map<String, String>> runs = runsWhere(familyId);
        if (runs.isEmpty()) {
            throw new CommandFailure("family " + familyId + " not found: no run of it has step metrics in ClickHouse");
        }
        return writeWithIndex(runs, "family " + familyId, outDir);
    }

    /** Writes a page per run that has step metrics, and an {@code index.html}; returns the pages, index last. */
    public List<Path> writeAll(Path outDir) {
        return writeWithIndex(runsWhere(null), "all runs", outDir);
    }

    /** A page per run of {@code runs}, then an {@code index.html} titled {@code title} listing them. */
    private List<Path> writeWithIndex(List<Map<String, String>> runs, String title, Path outDir) {
        List<Path> pages = new ArrayList<>();
        for (Map<String, String> r : runs) {
            pages.add(writeRun(Rows.text(r, "run_id"), outDir));
        }
        pages.add(write(outDir.resolve("index.html"), IndexPage.render(title, runs, panels.runs(), clock.instant())));
        return pages;
    }

    /** The runs table (All runs), sorted by run id, of one family or (null) of every family. */
    private List<Map<String, String>> runsWhere(String familyId) {
        List<Map<String, String>> runs = new ArrayList<>(runner.rows(panels.runs(), List.of(), 1));
        runs.removeIf(r -> familyId != null && !familyId.equals(Rows.text(r, "family")));
        runs.sort((a, b) -> Rows.text(a, "run_id").compareTo(Rows.text(b, "run_id")));
        return runs;
    }

    /**
     * The page's file name: the run id with every character outside {@code A-Z a-z 0-9 . _ -} (ids may also hold
     * {@code : / @ +}) replaced by {@code _}, plus {@code .html}.
     */
    public static String fileName(String runId) {
        return runId.replaceAll("[^A-Za-z0-9._-]", "_") + ".html";
    }

    private static Path write(Path file, String html) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".part");
            Files.writeString(tmp, html, StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write report " + file + ": " + e.getMessage(), e);
        }
    }
}
