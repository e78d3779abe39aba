package io.proxyless.mesh.examples;

import java.time.Duration;
import java.util.List;

/**
 * What a demo run found: for each scenario, the checks of its measured outcome.
 *
 * @param mode      {@code files} or {@code xds}
 * @param scenarios in the order they ran
 * @param took      the whole run, servers and meshes included
 */
public record DemoReport(String mode, List<Scenario> scenarios, Duration took) {
    public DemoReport {
        scenarios = List.copyOf(scenarios);
    }

    /** True when every check of every scenario passed. */
    public boolean passed() {
        return !scenarios.isEmpty() && scenarios.stream().allMatch(Scenario::passed);
    }

    /** Checks that failed, as {@code "scenario: check"}. */
    public List<String> failures() {
        return scenarios.stream().flatMap(s -> s.checks().stream().filter(c -> !c.passed())
                .map(c -> s.title() + ": " + c.description())).toList();
    }

    /**
     * One scenario: a step of Istio's traffic-management tasks.
     *
     * @param number its place in the walk-through, from 1
     * @param title  what it shows
     * @param checks measured outcome against expectation
     * @param took   how long it ran
     */
    public record Scenario(int number, String title, List<Check> checks, Duration took) {
        public Scenario {
            checks = List.copyOf(checks);
        }

        public boolean passed() {
            return !checks.isEmpty() && checks.stream().allMatch(Check::passed);
        }
    }

    /** One expectation and whether the measurement met it. */
    public record Check(String description, boolean passed) {
    }
}
