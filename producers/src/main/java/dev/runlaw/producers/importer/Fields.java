package dev.runlaw.producers.importer;

/** Number parsing shared by the text parsers, with messages naming the field and the bad text. */
final class Fields {
    private Fields() {
    }

    static long step(long line, String s) throws MalformedUnitException {
        long step;
        try {
            step = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new MalformedUnitException(line, "step is not an integer: '" + CsvStepParser.abbreviate(s) + "'");
        }
        if (step < 0) {
            throw new MalformedUnitException(line, "step must be >= 0, got " + step);
        }
        return step;
    }

    static double number(long line, String field, String s) throws MalformedUnitException {
        if (s.isEmpty()) {
            throw new MalformedUnitException(line, field + " is empty");
        }
        double v;
        try {
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new MalformedUnitException(line, field + " is not a number: '" + CsvStepParser.abbreviate(s) + "'");
        }
        if (!Double.isFinite(v)) {
            throw new MalformedUnitException(line, field + " is not finite: '" + s + "'");
        }
        return v;
    }
}
