package io.proxyless.mesh.runtime.event;

import io.proxyless.mesh.runtime.health.AttemptOutcome;

/**
 * Envoy's response flags (the {@code %RESPONSE_FLAGS%} of its access log and the {@code response_flags} label of
 * Istio's metrics) that a client-side mesh can set. This is the one place where mesh outcomes become flags.
 *
 * <p>A call carries a set of flags as a bit mask ({@link #bit()}), so recording them allocates nothing;
 * {@link #format(int)} writes a mask as Envoy does: codes joined by commas, {@code -} when there are none.
 */
public enum ResponseFlag {
    /** No healthy upstream host in the cluster (503). */
    UH("UH"),
    /** Upstream connection failure (503). */
    UF("UF"),
    /** Upstream overflow: a circuit breaker refused the request (503). */
    UO("UO"),
    /** No route configured for the request (404). */
    NR("NR"),
    /** The retry limit was reached while the outcome was still retriable. */
    URX("URX"),
    /** Upstream cluster not found (503). */
    NC("NC"),
    /** The application (downstream) ended the call. */
    DC("DC"),
    /** Upstream request timeout: the route timeout or a per-try timeout (504). */
    UT("UT"),
    /** Local reset: the attempt failed on our side before a response (503). */
    LR("LR"),
    /** Upstream connection termination: reset or closed before a response (503). */
    UC("UC"),
    /** The request was delayed by fault injection. */
    DI("DI"),
    /** The request was aborted by fault injection. */
    FI("FI");

    private final String code;

    ResponseFlag(String code) {
        this.code = code;
    }

    /** Envoy's short code, e.g. {@code UF}. */
    public String code() {
        return code;
    }

    /** This flag's bit in a flag mask. */
    public int bit() {
        return 1 << ordinal();
    }

    /** True when {@code mask} holds this flag. */
    public boolean in(int mask) {
        return (mask & bit()) != 0;
    }

    /**
     * The flag for an attempt that ended without a usable response: UF for a connect failure, UC for a reset, UT
     * for a timeout, LR for a local failure; 0 (no flag) for a response.
     */
    public static int forOutcome(AttemptOutcome outcome) {
        return switch (outcome.kind()) {
            case CONNECT_FAILURE -> UF.bit();
            case RESET -> UC.bit();
            case TIMEOUT -> UT.bit();
            case LOCAL_ORIGIN_FAILURE -> LR.bit();
            default -> 0;
        };
    }

    /** Envoy's rendering of a flag mask: {@code UF,URX}, or {@code -} when empty. */
    public static String format(int mask) {
        if (mask == 0) {
            return "-";
        }
        StringBuilder b = new StringBuilder();
        for (ResponseFlag f : values()) {
            if (f.in(mask)) {
                if (b.length() > 0) {
                    b.append(',');
                }
                b.append(f.code);
            }
        }
        return b.toString();
    }
}
