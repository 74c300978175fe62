package dev.runlaw.math.routing;

import java.util.Map;

/** Writes a {@link RoutingReport} as JSON: the keys only, null for undefined fractions. */
final class ReportJson {
    private ReportJson() {
    }

    static String write(RoutingReport r) {
        StringBuilder s = new StringBuilder(4096);
        s.append("{\"tokens\":").append(r.tokens()).append(",\"layers\":[");
        boolean firstLayer = true;
        for (RoutingReport.Layer l : r.layers()) {
            s.append(firstLayer ? "\n" : ",\n");
            firstLayer = false;
            s.append("{\"layer\":").append(l.layer()).append(",\"experts\":").append(l.experts()).append(",\"load\":[");
            for (int e = 0; e < l.load().length; e++) {
                s.append(e == 0 ? "" : ",").append(l.load()[e]);
            }
            s.append("],\"max_over_mean\":");
            number(s, l.maxOverMean());
            s.append(",\"temporal_locality\":");
            number(s, l.temporalLocality());
            s.append(",\"temporal_locality_chance\":");
            number(s, l.temporalLocalityChance());
            s.append(",\"top_pair\":");
            RoutingReport.TopPair p = l.topPair();
            if (p == null) {
                s.append("null");
            } else {
                s.append('[').append(p.e1()).append(',').append(p.e2()).append(',').append(p.count()).append(']');
            }
            s.append(",\"next_layer_hit\":");
            number(s, l.nextLayerHit());
            s.append('}');
        }
        s.append("],\n\"placements\":{");
        boolean firstPlacement = true;
        for (Map.Entry<String, RoutingReport.Placement> e : r.placements().entrySet()) {
            RoutingReport.Placement p = e.getValue();
            s.append(firstPlacement ? "\n" : ",\n");
            firstPlacement = false;
            s.append('"').append(e.getKey()).append("\":{\"map\":[");
            for (int i = 0; i < p.map().length; i++) {
                s.append(i == 0 ? "[" : ",[");
                int[] m = p.map()[i];
                for (int x = 0; x < m.length; x++) {
                    s.append(x == 0 ? "" : ",").append(m[x]);
                }
                s.append(']');
            }
            s.append("],\"device_load_max_over_mean\":");
            number(s, p.deviceLoadMaxOverMean());
            s.append(",\"transition_cross_device\":");
            number(s, p.transitionCrossDevice());
            s.append(",\"bytes\":").append(p.bytes()).append('}');
        }
        s.append("}}\n");
        return s.toString();
    }

    private static void number(StringBuilder s, Double v) {
        if (v == null || !Double.isFinite(v)) {
            s.append("null");
        } else {
            s.append(v.doubleValue());
        }
    }
}
