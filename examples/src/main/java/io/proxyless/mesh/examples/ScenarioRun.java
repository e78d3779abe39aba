package io.proxyless.mesh.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints one scenario as it runs — what was applied, what was measured, each check — and collects its checks.
 */
final class ScenarioRun {
    private final PrintStream out;
    private final int number;
    private final String title;
    private final long start = System.nanoTime();
    private final List<DemoReport.Check> checks = new ArrayList<>();

    ScenarioRun(PrintStream out, int number, String title, String task) {
        this.out = out;
        this.number = number;
        this.title = title;
        out.println();
        out.printf("%d. %s%n", number, title);
        if (task != null) {
            out.printf("   (Istio task: %s)%n", task);
        }
    }

    /** A config change, with how long the meshes took to reload it. */
    void applied(List<String> pieces, ConfigDriver.Applied applied) {
        out.printf("   apply    %s%n", String.join(" + ", pieces));
        out.printf("            %d files, in force in every mesh after %.2f s%n", applied.files().size(),
                applied.took().toNanos() / 1e9);
        for (String w : applied.warnings()) {
            out.printf("            %s%n", w);
        }
    }

    /** Something done to the workloads rather than to the config. */
    void action(String format, Object... args) {
        out.printf("   do       %s%n", String.format(Locale.ROOT, format, args));
    }

    void measured(String format, Object... args) {
        out.printf("   measure  %s%n", String.format(Locale.ROOT, format, args));
    }

    void note(String format, Object... args) {
        out.printf("   note     %s%n", String.format(Locale.ROOT, format, args));
    }

    /** PromQL-style queries over the scenario's metrics, each followed by its answer. */
    void metrics(List<String> queriesAndAnswers) {
        for (int i = 0; i + 1 < queriesAndAnswers.size(); i += 2) {
            out.printf("   promql   %s%n", queriesAndAnswers.get(i));
            out.printf("            = %s%n", queriesAndAnswers.get(i + 1));
        }
    }

    /** Records and prints one expectation. */
    boolean check(boolean passed, String format, Object... args) {
        String description = String.format(Locale.ROOT, format, args);
        checks.add(new DemoReport.Check(description, passed));
        out.printf("   %s     %s%n", passed ? "PASS" : "FAIL", description);
        return passed;
    }

    /** A failure that ended the scenario early. */
    void failed(Throwable e) {
        check(false, "scenario ran to the end (%s)", e);
    }

    DemoReport.Scenario finish() {
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        out.printf("   took     %.1f s%n", took.toNanos() / 1e9);
        return new DemoReport.Scenario(number, title, checks, took);
    }
}
