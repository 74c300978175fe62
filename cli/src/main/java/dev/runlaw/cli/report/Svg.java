package dev.runlaw.cli.report;

import java.util.Locale;

/**
 * A small writer of inline SVG markup (no namespace declaration: the page embeds it in HTML5, where the parser
 * supplies it). Every text and attribute value goes through {@link #escape}, so a run id or an alert message can
 * never open a tag. Coordinates are written with at most two decimals: enough for a screen, and it keeps pages small.
 */
final class Svg {
    private final StringBuilder out = new StringBuilder();

    /** Opens an {@code <svg>} of the given size; {@code label} becomes its accessible name. */
    Svg(int width, int height, String cssClass, String label) {
        out.append("<svg class=\"").append(escape(cssClass)).append("\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ')
                .append(height).append("\" role=\"img\" aria-label=\"").append(escape(label)).append("\">\n");
    }

    Svg line(double x1, double y1, double x2, double y2, String cssClass) {
        out.append("<line class=\"").append(escape(cssClass)).append("\" x1=\"").append(num(x1)).append("\" y1=\"")
                .append(num(y1)).append("\" x2=\"").append(num(x2)).append("\" y2=\"").append(num(y2))
                .append("\"/>\n");
        return this;
    }

    /** A path; {@code style} may be null, {@code title} (a hover tooltip, no script needed) too. */
    Svg path(String d, String cssClass, String style, String title) {
        out.append("<path class=\"").append(escape(cssClass)).append('"');
        if (style != null) {
            out.append(" style=\"").append(escape(style)).append('"');
        }
        out.append(" d=\"").append(d).append('"');
        if (title == null) {
            out.append("/>\n");
        } else {
            out.append("><title>").append(escape(title)).append("</title></path>\n");
        }
        return this;
    }

    Svg rect(double x, double y, double w, double h, String cssClass, String style) {
        out.append("<rect class=\"").append(escape(cssClass)).append('"');
        if (style != null) {
            out.append(" style=\"").append(escape(style)).append('"');
        }
        out.append(" x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" width=\"").append(num(w))
                .append("\" height=\"").append(num(h)).append("\"/>\n");
        return this;
    }

    /** Text anchored {@code start}, {@code middle} or {@code end} at (x, y); {@code rotate} degrees about (x, y). */
    Svg text(double x, double y, String anchor, String cssClass, double rotate, String text) {
        out.append("<text class=\"").append(escape(cssClass)).append("\" x=\"").append(num(x)).append("\" y=\"")
                .append(num(y)).append("\" text-anchor=\"").append(anchor).append('"');
        if (rotate != 0) {
            out.append(" transform=\"rotate(").append(num(rotate)).append(' ').append(num(x)).append(' ')
                    .append(num(y)).append(")\"");
        }
        out.append('>').append(escape(text)).append("</text>\n");
        return this;
    }

    /** A {@code <linearGradient>} from left to right through {@code colors} (evenly spaced), for colour legends. */
    Svg horizontalGradient(String id, String... colors) {
        out.append("<defs><linearGradient id=\"").append(escape(id)).append("\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">");
        for (int i = 0; i < colors.length; i++) {
            out.append("<stop offset=\"").append(num(colors.length == 1 ? 0 : (double) i / (colors.length - 1)))
                    .append("\" stop-color=\"").append(escape(colors[i])).append("\"/>");
        }
        out.append("</linearGradient></defs>\n");
        return this;
    }

    /** The markup, closed. */
    String close() {
        return out + "</svg>\n";
    }

    /** A coordinate with at most two decimals, no exponent, {@code .} as decimal point. */
    static String num(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("not a finite coordinate: " + v);
        }
        double r = Math.round(v * 100) / 100.0;
        if (r == Math.rint(r) && Math.abs(r) < 1e15) {
            return Long.toString((long) r);
        }
        return String.format(Locale.ROOT, "%.2f", r).replaceAll("0+$", "");
    }

    /** Escapes {@code & < > " '} for text and attribute values. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
