package dev.runlaw.bench.detect;

import java.util.ArrayDeque;

/**
 * The published loss-spike rules runlaw is compared with, each fed one logged loss at a time and answering whether
 * that value alarms. Values are compared as given: a NaN compares false (as in Python), so a rule without its own
 * finiteness check misses a NaN, and that is what is measured.
 */
public interface BaselineRule {
    /** Name in reports. */
    String name();

    /** Folds {@code x} in; true when it alarms. */
    boolean alarm(double x);

    /** OLMo-core: {@code x > mean + 6 sd} of the last 128 values, active once 64 are held. */
    static BaselineRule olmo() {
        return new Window("olmo-core (mean+6sd of last 128)", 128) {
            @Override
            public boolean alarm(double x) {
                boolean a = size() >= 64 && x > mean() + 6 * sd();
                push(x);
                return a;
            }
        };
    }

    /** llm-foundry: {@code x >= 2 * mean} of the last 100 values for more than 4 consecutive values. */
    static BaselineRule llmFoundry() {
        return new Window("llm-foundry (2x mean of last 100, >4 steps)", 100) {
            private int run;

            @Override
            public boolean alarm(double x) {
                run = size() >= 100 && x >= 2 * mean() ? run + 1 : 0;
                push(x);
                return run > 4;
            }
        };
    }

    /**
     * ZClip's rule applied to the loss: EMA mean and variance with {@code alpha = 0.97}, alarm when
     * {@code z > 2.5}; initialised from the first 25 values, updated with the value clipped to {@code mean + 2.5 sd}
     * (as ZClip updates with the clipped norm).
     */
    static BaselineRule zclip() {
        return new BaselineRule() {
            private int n;
            private double mean;
            private double var;

            @Override
            public String name() {
                return "zclip (EMA 0.97, z>2.5)";
            }

            @Override
            public boolean alarm(double x) {
                if (!Double.isFinite(x)) {
                    return false;
                }
                if (n < 25) {
                    n++;
                    double d = x - mean;
                    mean += d / n;
                    var += (d * (x - mean) - var) / n;
                    return false;
                }
                double sd = Math.sqrt(var);
                boolean a = x > mean + 2.5 * sd;
                double xc = a ? mean + 2.5 * sd : x;
                double d = xc - mean;
                mean = 0.97 * mean + 0.03 * xc;
                var = 0.97 * var + 0.03 * d * d;
                return a;
            }
        };
    }

    /** A sliding window of the last values with O(1) mean and sd. */
    abstract class Window implements BaselineRule {
        private final String name;
        private final int capacity;
        private final ArrayDeque<Double> values = new ArrayDeque<>();
        private double sum;
        private double sumSq;

        Window(String name, int capacity) {
            this.name = name;
            this.capacity = capacity;
        }

        @Override
        public String name() {
            return name;
        }

        int size() {
            return values.size();
        }

        double mean() {
            return sum / values.size();
        }

        double sd() {
            double m = mean();
            return Math.sqrt(Math.max(0, sumSq / values.size() - m * m));
        }

        void push(double x) {
            if (!Double.isFinite(x)) {
                return;
            }
            values.addLast(x);
            sum += x;
            sumSq += x * x;
            if (values.size() > capacity) {
                double old = values.removeFirst();
                sum -= old;
                sumSq -= old * old;
            }
        }
    }
}
