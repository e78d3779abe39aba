package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Keeps mirror copies away from a mirror endpoint that refuses connections or times out.
 *
 * <p>Envoy sends shadow requests through the mirror cluster's pool, so a dead mirror host costs a failed connect
 * per copy until outlier detection (when configured) ejects it. A client-side mesh pays that on the application's
 * own cores, beside the primary traffic, so the engine backs off instead: once a copy to an endpoint fails to
 * connect or times out, further copies to it are dropped (and reported as dropped) without any connect attempt,
 * for a backoff that starts at {@link #BASE} and doubles with every failed probe up to {@link #MAX}. When it has
 * passed, one copy probes the endpoint; the first copy that gets a response (any status) ends the backoff. Time is
 * the mesh clock; a response status never backs off (a mirror answering 503 is the mirror's own business).
 *
 * <p>One per {@link CallEngine}; the state is per endpoint address and port, dropped when the endpoint answers, so
 * it holds at most the mirror endpoints that are failing. A call with no failing mirror reads one empty map.
 */
final class MirrorBackoff {
    /** The first backoff after a failed copy. */
    static final Duration BASE = Duration.ofSeconds(1);
    /** The longest backoff. */
    static final Duration MAX = Duration.ofSeconds(30);

    private record Key(String address, int port) {
    }

    /** Guarded by itself. */
    private static final class State {
        int failures;
        long retryAtNanos;
        boolean probing;
    }

    private final MeshClock clock;
    private final ConcurrentMap<Key, State> failing = new ConcurrentHashMap<>();

    MirrorBackoff(MeshClock clock) {
        this.clock = clock;
    }

    /**
     * Whether a copy may go to {@code endpoint} now: null when it may (possibly as the probe after a backoff),
     * otherwise why not.
     */
    String refusal(Endpoint endpoint) {
        if (failing.isEmpty()) {
            return null;
        }
        State s = failing.get(new Key(endpoint.address(), endpoint.port()));
        if (s == null) {
            return null;
        }
        synchronized (s) {
            if (s.probing || clock.nanoTime() - s.retryAtNanos < 0) {
                return "mirror endpoint " + endpoint.address() + ":" + endpoint.port() + " backing off after "
                        + s.failures + (s.failures == 1 ? " failed copy" : " failed copies")
                        + " (connection refused or timed out)";
            }
            s.probing = true;
            return null;
        }
    }

    /** A copy to {@code endpoint} is over with {@code outcome}. */
    void finished(Endpoint endpoint, AttemptOutcome outcome) {
        Key key = new Key(endpoint.address(), endpoint.port());
        if (!backsOff(outcome)) {
            if (!failing.isEmpty()) {
                failing.remove(key);
            }
            return;
        }
        State s = failing.computeIfAbsent(key, k -> new State());
        synchronized (s) {
            s.failures++;
            s.probing = false;
            s.retryAtNanos = clock.nanoTime() + backoffNanos(s.failures);
        }
    }

    /** A copy to {@code endpoint} was not sent after all: a probe it was leaves the next copy to probe. */
    void abandoned(Endpoint endpoint) {
        if (failing.isEmpty()) {
            return;
        }
        State s = failing.get(new Key(endpoint.address(), endpoint.port()));
        if (s != null) {
            synchronized (s) {
                s.probing = false;
            }
        }
    }

    private static boolean backsOff(AttemptOutcome outcome) {
        return outcome.kind() == AttemptOutcome.Kind.CONNECT_FAILURE || outcome.kind() == AttemptOutcome.Kind.TIMEOUT;
    }

    static long backoffNanos(int failures) {
        long nanos = BASE.toNanos() << Math.min(failures - 1, 30);
        return Math.min(nanos, MAX.toNanos());
    }
}
