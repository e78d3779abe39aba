package io.proxyless.mesh.api.loader;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;

/**
 * Istio duration strings ↔ {@link Duration}. Istio accepts Go-style durations in YAML ({@code 1s}, {@code 0.5s},
 * {@code 100ms}, {@code 1m}, {@code 1h}, {@code 1h30m}) as well as protobuf JSON form ({@code 1.500s}).
 */
public final class Durations {
    private Durations() {
    }

    /** Parses {@code text}; empty when it is not a duration. */
    public static Optional<Duration> parse(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        String s = text;
        boolean negative = false;
        if (s.charAt(0) == '-' || s.charAt(0) == '+') {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Optional.of(Duration.ZERO);
        }
        BigDecimal nanos = BigDecimal.ZERO;
        int i = 0;
        if (s.isEmpty()) {
            return Optional.empty();
        }
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            if (start == i) {
                return Optional.empty();
            }
            BigDecimal number;
            try {
                number = new BigDecimal(s.substring(start, i));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            int unitStart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            long unitNanos = switch (s.substring(unitStart, i)) {
                case "ns" -> 1L;
                case "us", "µs", "μs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> -1L;
            };
            if (unitNanos < 0) {
                return Optional.empty();
            }
            nanos = nanos.add(number.multiply(BigDecimal.valueOf(unitNanos)));
        }
        // Fractions of a nanosecond cannot be represented; Go truncates them too.
        BigDecimal whole = nanos.setScale(0, java.math.RoundingMode.DOWN);
        if (whole.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            BigDecimal[] secondsAndNanos = whole.divideAndRemainder(BigDecimal.valueOf(1_000_000_000L));
            if (secondsAndNanos[0].compareTo(BigDecimal.valueOf(315_576_000_000L)) > 0) {
                return Optional.empty(); // beyond protobuf Duration's ±10,000 years
            }
            Duration d = Duration.ofSeconds(secondsAndNanos[0].longValueExact(), secondsAndNanos[1].longValueExact());
            return Optional.of(negative ? d.negated() : d);
        }
        Duration d = Duration.ofNanos(whole.longValueExact());
        return Optional.of(negative ? d.negated() : d);
    }

    /**
     * Formats in protobuf JSON style with the shortest exact fraction: {@code 7s}, {@code 0.5s},
     * {@code 0.000001s}. Reading the result back gives the same Duration.
     */
    public static String format(Duration d) {
        BigDecimal seconds = BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9));
        String plain = seconds.stripTrailingZeros().toPlainString();
        return plain + "s";
    }

    /** Protobuf JSON form with fixed 3-decimal precision where needed ({@code "0.500s"}, {@code "7s"}). */
    public static String formatProtoJson(Duration d) {
        if (d.getNano() == 0) {
            return d.getSeconds() + "s";
        }
        BigDecimal seconds = BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9));
        int scale = d.getNano() % 1_000_000 == 0 ? 3 : d.getNano() % 1_000 == 0 ? 6 : 9;
        return seconds.setScale(scale, java.math.RoundingMode.UNNECESSARY).toPlainString() + "s";
    }
}
