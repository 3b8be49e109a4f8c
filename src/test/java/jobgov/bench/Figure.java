package jobgov.bench;

/**
 * One line of the benchmark table: jobgov's value and the baseline's, each the median and spread of
 * several runs, measured in the same run of {@code scripts/bench}. {@code ratio} is jobgov / baseline.
 * A figure jobgov cannot produce yet (its piece has not landed, no cgroups) carries a reason instead.
 */
record Figure(String name, String unit, Samples jobgov, String baselineName, Samples baseline, String target, String note) {

    static Figure missing(String name, String baselineName, Samples baseline, String unit, String target, String reason) {
        return new Figure(name, unit, new Samples(), baselineName, baseline, target, reason);
    }

    String ratio() {
        if (jobgov.isEmpty() || baseline == null || baseline.isEmpty() || baseline.median() == 0) {
            return "-";
        }
        return String.format("%.2fx", jobgov.median() / baseline.median());
    }

    String row() {
        return "| " + name + " | " + (jobgov.isEmpty() ? "n/a" : jobgov.summary(unit)) + " | "
                + (baselineName == null ? "-" : baselineName + ": " + (baseline == null ? "-" : baseline.summary(unit))) + " | "
                + ratio() + " | " + (target == null ? "" : target) + " | " + (note == null ? "" : note) + " |";
    }

    static String header() {
        return "| figure | jobgov median [min-max] | baseline median [min-max] | ratio | target | note |\n"
                + "|---|---|---|---|---|---|";
    }
}
