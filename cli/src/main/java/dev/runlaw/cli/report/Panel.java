package dev.runlaw.cli.report;

/**
 * One query of a Grafana dashboard panel as the dashboard file holds it.
 *
 * @param dashboard the dashboard's file name, e.g. {@code forecasts.json}
 * @param id        the panel's id in that file
 * @param title     the panel's title
 * @param rawSql    the panel's SQL (refId A), Grafana macros unexpanded
 */
record Panel(String dashboard, int id, String title, String rawSql) {
    /** How the page cites its source: {@code dashboards/forecasts.json, panel 2 “Observed loss …”}. */
    String citation() {
        return "dashboards/" + dashboard + ", panel " + id + " \u201c" + title + "\u201d";
    }
}
