package dev.runlaw.cli.report;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The page listing several runs' reports (a family, or all runs of the demo), with their runs-table rows. */
final class IndexPage {
    private IndexPage() {
    }

    static String render(String what, List<Map<String, String>> runs, Panel source, Instant generatedAt) {
        StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(RunPage.CSP).append("\">\n")
                .append("<title>runlaw reports: ").append(Html.esc(what)).append("</title>\n")
                .append("<style>body { font-family: sans-serif; margin: 24px auto; max-width: 960px; }")
                .append(" table { border-collapse: collapse; font-size: 13px; }")
                .append(" th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }</style>\n")
                .append("</head>\n<body>\n<h1>runlaw reports: ").append(Html.esc(what)).append("</h1>\n")
                .append("<table>\n<thead><tr><th>run</th><th>family</th><th>last step</th><th>planned</th>")
                .append("<th>last loss</th><th>best loss</th><th>last seen (UTC)</th></tr></thead>\n<tbody>\n");
        for (Map<String, String> r : runs) {
            String run = Rows.text(r, "run_id");
            b.append("<tr><td><a href=\"").append(Html.esc(ReportWriter.fileName(run))).append("\">")
                    .append(Html.esc(run)).append("</a></td><td>").append(Html.esc(Rows.text(r, "family")))
                    .append("</td><td>").append(Html.esc(Rows.text(r, "last_step"))).append("</td><td>")
                    .append(Html.esc(Rows.text(r, "planned_steps"))).append("</td><td>")
                    .append(Html.esc(Rows.cell(r, "last_loss"))).append("</td><td>")
                    .append(Html.esc(Rows.cell(r, "best_loss"))).append("</td><td>")
                    .append(Html.esc(Rows.text(r, "last_seen"))).append("</td></tr>\n");
        }
        return b.append("</tbody></table>\n<p>Query: ").append(Html.esc(source.citation())).append("; generated ")
                .append(Html.esc(generatedAt.toString())).append(".</p>\n</body>\n</html>\n").toString();
    }
}
