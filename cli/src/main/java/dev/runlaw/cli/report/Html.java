package dev.runlaw.cli.report;

import java.util.List;

/** HTML fragments of a report page: escaped text, tables, figures. */
final class Html {
    private Html() {
    }

    static String esc(String s) {
        return Svg.escape(s);
    }

    /** A table with a header row; {@code empty} is shown in a paragraph instead when there are no rows. */
    static String table(String cssClass, List<String> headers, List<List<String>> rows, String empty) {
        if (rows.isEmpty()) {
            return "<p class=\"empty\">" + esc(empty) + "</p>\n";
        }
        StringBuilder b = new StringBuilder("<table class=\"").append(esc(cssClass)).append("\">\n<thead><tr>");
        headers.forEach(h -> b.append("<th>").append(esc(h)).append("</th>"));
        b.append("</tr></thead>\n<tbody>\n");
        for (List<String> r : rows) {
            b.append("<tr>");
            r.forEach(c -> b.append("<td>").append(esc(c)).append("</td>"));
            b.append("</tr>\n");
        }
        return b.append("</tbody></table>\n").toString();
    }

    /** A figure: the chart's SVG and a caption naming the panel it was drawn from. */
    static String figure(String id, String svg, Panel source, String note) {
        return "<figure id=\"" + esc(id) + "\">\n" + svg + "<figcaption>" + (note.isEmpty() ? "" : esc(note) + " ")
                + "Query: " + esc(source.citation()) + ".</figcaption>\n</figure>\n";
    }
}
