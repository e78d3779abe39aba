package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.routing.FaultPolicy;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * What fault injection does to one request: Envoy's fault filter draws the delay and the abort independently,
 * each with its own percentage; a delayed request that is also aborted waits first, then fails.
 *
 * <pre>{@code
 * FaultDecision fault = FaultDecision.decide(decision.fault(), random);
 * if (fault.delays()) sleep(fault.delay());
 * if (fault.aborts()) return localReply(fault.httpStatus());
 * }</pre>
 *
 * @param delay      how long to hold the request, or null
 * @param httpStatus abort with this HTTP status, or null
 * @param grpcStatus abort with this gRPC status code name, or null
 */
public record FaultDecision(Duration delay, Integer httpStatus, String grpcStatus) {

    /** No fault for this request. */
    public static final FaultDecision NONE = new FaultDecision(null, null, null);

    /** Draws the fault for one request under {@code policy} (null: none). */
    public static FaultDecision decide(FaultPolicy policy, RandomGenerator random) {
        if (policy == null) {
            return NONE;
        }
        Duration delay = policy.hasDelay() && Percentages.hit(policy.delayPercentage(), random)
                ? policy.delay() : null;
        boolean abort = policy.hasAbort() && Percentages.hit(policy.abortPercentage(), random);
        if (delay == null && !abort) {
            return NONE;
        }
        return new FaultDecision(delay, abort ? policy.httpStatus() : null, abort ? policy.grpcStatus() : null);
    }

    public boolean delays() {
        return delay != null && !delay.isZero() && !delay.isNegative();
    }

    public boolean aborts() {
        return httpStatus != null || grpcStatus != null;
    }

    /**
     * The numeric gRPC code of {@link #grpcStatus()} ({@code UNAVAILABLE} → 14; a number is taken as is), or -1
     * when there is none or the name is unknown.
     */
    public int grpcCode() {
        if (grpcStatus == null) {
            return -1;
        }
        String name = grpcStatus.trim().toUpperCase(java.util.Locale.ROOT);
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
            return Integer.parseInt(name);
        }
        if (name.equals("CANCELED")) {
            return 1;
        }
        for (int i = 0; i < GRPC_CODES.length; i++) {
            if (GRPC_CODES[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static final String[] GRPC_CODES = {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"
    };
}
