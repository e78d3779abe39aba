package io.proxyless.mesh.cli;

import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.routing.CompiledRoute;
import io.proxyless.mesh.runtime.routing.RouteAction;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One key of a {@code mesh route-check} case's {@code expect} block, checked against what the mesh did. Each
 * expectation is independent, so a failing case lists every key that did not hold, not just the first.
 */
sealed interface RouteExpectation {

    /** Null when {@code outcome} meets the expectation, else {@code expected …, got …}. */
    String mismatch(RouteOutcome outcome);

    /** True when the expectation needs many sampled decisions rather than one. */
    default boolean needsSamples() {
        return false;
    }

    /**
     * {@code virtualService}: {@code namespace/name} of the VirtualService that routed the request, or just its
     * name (any namespace); null expects none (no VirtualService: the default route, or an unknown host).
     */
    record VirtualService(String expected) implements RouteExpectation {
        @Override
        public String mismatch(RouteOutcome outcome) {
            String got = outcome.decision().virtualService();
            boolean holds = expected == null ? got == null
                    : got != null && (expected.contains("/") ? got.equals(expected)
                            : got.substring(got.indexOf('/') + 1).equals(expected));
            return holds ? null : "expected virtualService " + orNone(expected) + ", got " + orNone(got);
        }
    }

    /** {@code route}: the matched route's 0-based index or its {@code name}; both null expects no route. */
    record Route(Integer index, String name) implements RouteExpectation {
        @Override
        public String mismatch(RouteOutcome outcome) {
            CompiledRoute got = outcome.decision().route();
            if (got != null && got.isDefault()) {
                got = null; // the service's own route, not one the config wrote
            }
            boolean holds = index != null ? got != null && got.index() == index
                    : name != null ? got != null && name.equals(got.name())
                    : got == null;
            if (holds) {
                return null;
            }
            String want = index != null ? index.toString() : orNone(name);
            String have = got == null ? "none" : got.index() + (got.name() == null ? "" : " (" + got.name() + ")");
            return "expected route " + want + ", got " + have;
        }
    }

    /**
     * {@code host}: where the request goes — the destination's host when forwarding, else the requested host.
     * Short names are expanded the way the client's own would be ({@code reviews} is
     * {@code reviews.<namespace>.svc.cluster.local}).
     */
    record Host(String expected) implements RouteExpectation {
        @Override
        public String mismatch(RouteOutcome outcome) {
            String got = outcome.host();
            boolean holds = expected.equals(got) || outcome.snapshot().qualify(expected).equals(got);
            return holds ? null : "expected host " + expected + ", got " + got;
        }
    }

    /** {@code subset}: the destination's subset; null expects a destination without subset. */
    record Subset(String expected) implements RouteExpectation {
        @Override
        public String mismatch(RouteOutcome outcome) {
            String got = outcome.decision().destinationSubset();
            return Objects.equals(expected, got) ? null
                    : "expected subset " + orNone(expected) + ", got " + orNone(got);
        }
    }

    /** {@code action}: forward, redirect, directResponse or reject. */
    record Action(RouteAction expected) implements RouteExpectation {
        @Override
        public String mismatch(RouteOutcome outcome) {
            RouteAction got = outcome.decision().action();
            return got == expected ? null : "expected action " + expected.jsonName() + ", got " + got.jsonName()
                    + (outcome.decision().reason() == null ? "" : " (" + outcome.decision().reason() + ")");
        }
    }

    /** {@code status}: the HTTP status a sidecar would answer ({@link RouteOutcome#status()}). */
    record Status(int expected) implements RouteExpectation {
        @Override
        public String mismatch(RouteOutcome outcome) {
            int got = outcome.status();
            return got == expected ? null : "expected status " + expected + ", got " + got
                    + " (" + outcome.decision().action().jsonName() + ")";
        }
    }

    /** {@code redirect}: the {@code Location} a sidecar would answer with. */
    record Redirect(String expected) implements RouteExpectation {
        @Override
        public String mismatch(RouteOutcome outcome) {
            String got = outcome.location();
            if (expected.equals(got)) {
                return null;
            }
            return "expected redirect " + expected + ", got "
                    + (got == null ? "none (" + outcome.decision().action().jsonName() + ")" : got);
        }
    }

    /**
     * {@code weights}: the share of sampled requests per destination, in percent, each within {@code tolerance}
     * percentage points. Keys are subset names; a destination without subset is keyed by its host. Only decisions
     * that forward count towards a destination: a request rejected on its way to subset {@code v1} (a misspelled
     * host, a missing subset, no healthy endpoint) did not go to {@code v1}. Decisions that do not forward are
     * keyed by their action ({@code reject}, {@code redirect}, {@code directResponse}); such a key counts them
     * unless a sampled request was forwarded to a destination of that name. Destinations and actions not listed
     * are expected to get nothing (up to the tolerance), so a forgotten destination or a rejection fails the case.
     */
    record Weights(Map<String, Double> expected, double tolerance) implements RouteExpectation {
        @Override
        public boolean needsSamples() {
            return true;
        }

        @Override
        public String mismatch(RouteOutcome outcome) {
            Map<String, Integer> forwarded = new LinkedHashMap<>();
            Map<String, Integer> other = new LinkedHashMap<>();
            Map<String, RouteDecision> firstOther = new LinkedHashMap<>();
            for (RouteDecision d : outcome.samples()) {
                if (d.isForward()) {
                    forwarded.merge(d.destinationSubset() != null ? d.destinationSubset() : RouteOutcome.host(d), 1,
                            Integer::sum);
                } else {
                    other.merge(d.action().jsonName(), 1, Integer::sum);
                    firstOther.putIfAbsent(d.action().jsonName(), d);
                }
            }
            int total = outcome.samples().size();
            List<String> mismatches = new ArrayList<>();
            Set<String> listedForwards = new HashSet<>();
            Set<String> listedOthers = new HashSet<>();
            expected.forEach((key, percent) -> {
                String qualified = forwarded.containsKey(key) ? key : outcome.snapshot().qualify(key);
                int count;
                if (forwarded.containsKey(qualified) || !other.containsKey(key)) {
                    listedForwards.add(qualified);
                    count = forwarded.getOrDefault(qualified, 0);
                } else {
                    listedOthers.add(key);
                    count = other.get(key);
                }
                double got = share(count, total);
                if (Math.abs(got - percent) > tolerance) {
                    mismatches.add("expected " + key + " at " + number(percent) + "% ±" + number(tolerance)
                            + ", got " + number(got) + "%");
                }
            });
            forwarded.forEach((key, count) -> {
                if (!listedForwards.contains(key)) {
                    unlisted(key, count, total, "", mismatches);
                }
            });
            other.forEach((key, count) -> {
                if (!listedOthers.contains(key)) {
                    unlisted(key, count, total, example(firstOther.get(key)), mismatches);
                }
            });
            return mismatches.isEmpty() ? null
                    : String.join("; ", mismatches) + " (over " + total + " samples)";
        }

        private void unlisted(String key, int count, int total, String example, List<String> mismatches) {
            double got = share(count, total);
            if (got > tolerance) {
                mismatches.add("expected " + key + " at 0% ±" + number(tolerance) + " (not in weights), got "
                        + number(got) + "%" + example);
            }
        }

        /** Why the first such decision did not forward, so that an unexpected rejection explains itself. */
        private static String example(RouteDecision d) {
            if (d.action() != RouteAction.REJECT) {
                return "";
            }
            return " (" + d.status() + (d.reason() == null ? "" : ": " + d.reason()) + ")";
        }

        /** Percent with two decimals: 10,000 samples resolve 0.01 %. */
        private static double share(int count, int total) {
            return Math.round(10_000.0 * count / total) / 100.0;
        }
    }

    private static String orNone(String s) {
        return s == null ? "none" : s;
    }

    /** {@code 50} rather than {@code 50.0}; {@code 33.33} as is. */
    static String number(double d) {
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }
}
