package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runlaw.cli.report.ReportWriter;
import dev.runlaw.local.ProjectRoot;
import dev.runlaw.producers.RunReplayer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./runlaw report} on the real stack, checked in a real browser: two real loss curves (cut short) and the
 * demo's simulated MoE run (router collapse, loss spike, gradient norms) go through Kafka, the Flink ingest, forecast,
 * alert and batch-size jobs into ClickHouse, as in {@code ./runlaw demo}; the demo's report step writes a page per
 * run, and headless chromium opens each one: every chart must be laid out with drawn paths and both axis titles,
 * the page must log nothing to the console (its Content-Security-Policy would log any attempt to load a script,
 * font or image), and a screenshot (the CSP forbids scripts there too) must show the charts.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReportIT {
    static final List<String> CSV_RUNS = List.of("cosine_24000", "wsd_20000_24000");
    static final List<String> FIGURES = List.of("loss", "final-loss", "lr", "grad-norm", "noise-scale", "expert-share", "imbalance");
    @TempDir
    static Path work;
    static LocalStack stack;
    static List<Path> pages;
    static String demoOutput;

    @BeforeAll
    static void runDemoAndWriteReports() throws Exception {
        Path runs = Files.createDirectories(work.resolve("runs"));
        Path curves = TestCurves.dir("mpl-25m");
        for (String name : CSV_RUNS) {
            try (Stream<String> lines = Files.lines(curves.resolve(name + ".csv"))) {
                Files.write(runs.resolve(name + ".csv"), lines.limit(3001).toList());
            }
        }
        DemoCommand.Options opts = DemoCommand.Options.parse(new String[] {"--runs", runs.toString(), "--moe-steps",
            Integer.toString(DemoIT.MOE_STEPS), "--no-progress"});
        List<RunReplayer> replayers = DemoCommand.replayers(opts);
        stack = LocalStack.start();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            DemoCommand.execute(stack, replayers, opts, out);
            pages = DemoCommand.writeReports(stack, work.resolve("reports"), out);
        }
        demoOutput = buf.toString(StandardCharsets.UTF_8);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theDemoWritesOnePagePerRunAndAnIndexAndPrintsTheirPaths() throws IOException {
        List<String> names = pages.stream().map(p -> p.getFileName().toString()).toList();
        assertThat(names).containsExactly("cosine_24000.html", DemoCommand.MOE_RUN + ".html", "wsd_20000_24000.html",
                "index.html");
        for (Path p : pages) {
            assertThat(demoOutput).contains(p.toAbsolutePath().toString());
            String html = Files.readString(p);
            // Self-contained: no script, and nothing referenced by URL (inline SVG needs no namespace URL in HTML).
            assertThat(html).doesNotContainIgnoringCase("<script").doesNotContain("http://").doesNotContain("https://")
                    .contains("Content-Security-Policy");
        }
        String index = Files.readString(pages.get(pages.size() - 1));
        assertThat(index).contains("href=\"sim-moe-8x16.html\"").contains("href=\"cosine_24000.html\"");
    }

    @Test
    void everyChartOfEveryPageRendersInChromiumWithoutConsoleMessages() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String probe;
        try (InputStream in = ReportIT.class.getResourceAsStream("/report-probe.js")) {
            probe = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, Map<String, JsonNode>> figuresByRun = new TreeMap<>();
        for (Path page : pages.subList(0, pages.size() - 1)) {
            String html = Files.readString(page);
            // A copy that lets one inline script run (the probe); it still may load nothing from anywhere.
            Path probed = work.resolve("probed-" + page.getFileName());
            Files.writeString(probed, html.replace("style-src 'unsafe-inline'",
                    "style-src 'unsafe-inline'; script-src 'unsafe-inline'")
                    .replace("</body>", "<script>" + probe + "</script>\n</body>"));
            HeadlessChromium.Result r = HeadlessChromium.dumpDom(probed, work);
            assertThat(r.consoleMessages()).as(page + " console").isEmpty();
            int start = r.dom().lastIndexOf("<pre id=\"probe\">");
            assertThat(start).as(page + ": the probe ran").isPositive();
            String text = r.dom().substring(start + "<pre id=\"probe\">".length(), r.dom().indexOf("</pre>", start))
                    .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
            Map<String, JsonNode> figures = new TreeMap<>();
            json.readTree(text).forEach(f -> figures.put(f.path("id").asText(), f));
            assertThat(figures.keySet()).as(page.toString()).containsAll(FIGURES);
            for (JsonNode f : figures.values()) {
                String what = page.getFileName() + " #" + f.path("id").asText();
                assertThat(f.path("w").asDouble()).as(what + " width").isGreaterThan(800);
                assertThat(f.path("h").asDouble()).as(what + " height").isGreaterThan(150);
                for (String axis : List.of("x-label", "y-label")) {
                    List<JsonNode> labels = texts(f, axis);
                    assertThat(labels).as(what + " " + axis).hasSize(1);
                    assertThat(labels.get(0).path("text").asText()).as(what + " " + axis).isNotBlank();
                    assertThat(labels.get(0).path("w").asDouble()).as(what + " " + axis + " laid out").isPositive();
                }
                boolean noData = !texts(f, "no-data").isEmpty();
                List<JsonNode> drawn = new ArrayList<>();
                f.path("paths").forEach(p -> {
                    String cls = p.path("cls").asText();
                    if ((cls.startsWith("series") || cls.startsWith("cells") || cls.startsWith("band"))
                            && p.path("len").asDouble() > 0 && p.path("w").asDouble() + p.path("h").asDouble() > 0) {
                        drawn.add(p);
                    }
                });
                // A chart either draws its data (non-empty paths, numbered ticks) or says "no data", never both.
                assertThat(noData).as(what + " says no data yet draws paths " + drawn).isEqualTo(drawn.isEmpty());
                if (!noData) {
                    assertThat(texts(f, "tick-label")).as(what + " tick labels").hasSizeGreaterThanOrEqualTo(4);
                }
            }
            figuresByRun.put(page.getFileName().toString().replace(".html", ""), figures);
        }
        // The simulated MoE run logs everything: every chart has data, and its alerts mark the curves.
        Map<String, JsonNode> moe = figuresByRun.get(DemoCommand.MOE_RUN);
        for (String id : FIGURES) {
            assertThat(texts(moe.get(id), "no-data")).as(DemoCommand.MOE_RUN + " #" + id + " has data").isEmpty();
        }
        assertThat(markers(moe.get("loss"))).as("the loss spike marks the loss chart").isPositive();
        assertThat(markers(moe.get("expert-share"))).as("the router collapse marks the heat map").isPositive();
        // A replayed CSV has a loss curve but no gradient norm or expert load: those charts say so.
        Map<String, JsonNode> csv = figuresByRun.get("cosine_24000");
        assertThat(texts(csv.get("loss"), "no-data")).isEmpty();
        assertThat(texts(csv.get("expert-share"), "no-data")).hasSize(1);
        assertThat(texts(csv.get("grad-norm"), "no-data")).hasSize(1);
    }

    @Test
    void aScreenshotShowsTheCharts() throws Exception {
        Path page = pages.stream().filter(p -> p.getFileName().toString().equals(DemoCommand.MOE_RUN + ".html"))
                .findFirst().orElseThrow();
        Path png = work.resolve("report.png");
        HeadlessChromium.Result r = HeadlessChromium.screenshot(page, png, 1000, 2600, work);
        assertThat(r.consoleMessages()).isEmpty();
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(1000);
        assertThat(img.getHeight()).isEqualTo(2600);
        // Coloured pixels (chart lines, bands, heat-map cells), not only black text on white.
        long coloured = 0;
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                int rgb = img.getRGB(x, y);
                int red = (rgb >> 16) & 0xff;
                int green = (rgb >> 8) & 0xff;
                int blue = rgb & 0xff;
                if (Math.max(red, Math.max(green, blue)) - Math.min(red, Math.min(green, blue)) > 60) {
                    coloured++;
                }
            }
        }
        assertThat(coloured).as("coloured pixels in the screenshot").isGreaterThan(2000);
        // Kept for a look (CI artifact; docs/report.png is taken the same way).
        Path keep = ProjectRoot.resolve("cli/target/report-it");
        Files.createDirectories(keep);
        Files.copy(png, keep.resolve("report.png"), StandardCopyOption.REPLACE_EXISTING);
        for (Path p : pages) {
            Files.copy(p, keep.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void theReportCommandWritesARunAndFailsWithOneOnAnUnknownRun() throws IOException {
        String url = stack.clickHouse().endpoint().url();
        Path out = work.resolve("cmd");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int ok;
        try (PrintStream o = new PrintStream(stdout, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(stderr, true, StandardCharsets.UTF_8)) {
            ok = run(o, e, "report", "--family", "demo", "--out", out.toString(), "--clickhouse.url", url,
                    "--clickhouse.user", stack.clickHouse().endpoint().user(), "--clickhouse.password",
                    stack.clickHouse().endpoint().password(), "--clickhouse.database", LocalStack.DATABASE);
        }
        assertThat(ok).as(stderr.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.resolve("cosine_24000.html")).exists();
        assertThat(out.resolve("wsd_20000_24000.html")).exists();
        assertThat(out.resolve("index.html")).exists();
        assertThat(out.resolve(ReportWriter.fileName(DemoCommand.MOE_RUN))).doesNotExist(); // family sim-moe
        stderr.reset();
        int missing;
        try (PrintStream o = new PrintStream(stdout, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(stderr, true, StandardCharsets.UTF_8)) {
            missing = run(o, e, "report", "--run", "no-such-run", "--out", out.toString(), "--clickhouse.url", url,
                    "--clickhouse.user", stack.clickHouse().endpoint().user(), "--clickhouse.password",
                    stack.clickHouse().endpoint().password(), "--clickhouse.database", LocalStack.DATABASE);
        }
        assertThat(missing).isEqualTo(1);
        assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("runlaw report: run no-such-run not found");
        assertThat(out.resolve("no-such-run.html")).doesNotExist();
    }

    private static int run(PrintStream out, PrintStream err, String... args) {
        return dev.runlaw.producers.command.Commands.execute(Main.commandLine(out, err), args, out, err);
    }

    private static List<JsonNode> texts(JsonNode figure, String cls) {
        List<JsonNode> out = new ArrayList<>();
        figure.path("texts").forEach(t -> {
            if (List.of(t.path("cls").asText().split(" ")).contains(cls)) {
                out.add(t);
            }
        });
        return out;
    }

    private static long markers(JsonNode figure) {
        long n = 0;
        for (JsonNode p : figure.path("paths")) {
            if (p.path("cls").asText().startsWith("marker ") && p.path("h").asDouble() > 0) {
                n++;
            }
        }
        return n;
    }
}
