package jobgov.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Measured values of one quantity (one per run, or one per event) and their order statistics. */
final class Samples {
    private final List<Double> values = new ArrayList<>();

    static Samples of(List<? extends Number> values) {
        Samples s = new Samples();
        values.forEach(v -> s.add(v.doubleValue()));
        return s;
    }

    void add(double v) {
        values.add(v);
    }

    int size() {
        return values.size();
    }

    boolean isEmpty() {
        return values.isEmpty();
    }

    /** The p-th percentile (0-100), nearest-rank. */
    double percentile(double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    double median() {
        return percentile(50);
    }

    double min() {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    double max() {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** "median [min-max]" with the unit's precision. */
    String summary(String unit) {
        if (values.isEmpty()) {
            return "-";
        }
        return fmt(median()) + " " + unit + " [" + fmt(min()) + "-" + fmt(max()) + "]";
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        if (a >= 100 || v == Math.rint(v)) {
            return String.format("%.0f", v);
        }
        if (a >= 10) {
            return String.format("%.1f", v);
        }
        return String.format("%.2f", v);
    }
}
