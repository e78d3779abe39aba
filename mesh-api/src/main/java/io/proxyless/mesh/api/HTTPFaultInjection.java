package io.proxyless.mesh.api;

import java.time.Duration;

/**
 * Istio {@code HTTPFaultInjection}: delays and/or aborts injected into a share of requests, to test how an
 * application copes with a slow or failing dependency. Validation requires at least one of the two.
 *
 * <pre>{@code
 * HTTPFaultInjection slow = HTTPFaultInjection.delay(Delay.fixed(Duration.ofSeconds(5), Percent.of(10)));
 * HTTPFaultInjection broken = HTTPFaultInjection.abort(Abort.httpStatus(503, Percent.of(50)));
 * }</pre>
 *
 * @param delay delay to add before forwarding
 * @param abort error to return instead of forwarding
 */
public record HTTPFaultInjection(Delay delay, Abort abort) {

    public static HTTPFaultInjection delay(Delay delay) {
        return new HTTPFaultInjection(delay, null);
    }

    public static HTTPFaultInjection abort(Abort abort) {
        return new HTTPFaultInjection(null, abort);
    }

    /**
     * Istio {@code HTTPFaultInjection.Delay}. {@code fixedDelay} and {@code exponentialDelay} are alternatives.
     *
     * @param percent          integer form of {@link #percentage()}, deprecated by Istio
     * @param fixedDelay       how long to wait before forwarding
     * @param exponentialDelay exponentially distributed delay (declared by Istio, never implemented)
     * @param percentage       share of requests delayed; none when unset
     */
    public record Delay(
            @DeprecatedField("percentage")
            Integer percent,
            Duration fixedDelay,
            @NotSupported("Istio itself does not implement exponential delays; use fixedDelay")
            Duration exponentialDelay,
            Percent percentage) {

        public static Delay fixed(Duration fixedDelay, Percent percentage) {
            return new Delay(null, fixedDelay, null, percentage);
        }
    }

    /**
     * Istio {@code HTTPFaultInjection.Abort}: exactly one of {@code httpStatus}, {@code grpcStatus} and
     * {@code http2Error}. (Istio removed the integer {@code percent}; it is an unknown field.)
     *
     * @param httpStatus HTTP status to answer with
     * @param grpcStatus gRPC status name to answer with, e.g. {@code UNAVAILABLE}
     * @param http2Error HTTP/2 error to reset the stream with (declared by Istio, never implemented)
     * @param percentage share of requests aborted; none when unset
     */
    public record Abort(
            Integer httpStatus,
            String grpcStatus,
            @NotSupported("Istio itself does not implement HTTP/2 error aborts; use httpStatus or grpcStatus")
            String http2Error,
            Percent percentage) {

        public static Abort httpStatus(int status, Percent percentage) {
            return new Abort(status, null, null, percentage);
        }

        public static Abort grpcStatus(String status, Percent percentage) {
            return new Abort(null, status, null, percentage);
        }
    }
}
