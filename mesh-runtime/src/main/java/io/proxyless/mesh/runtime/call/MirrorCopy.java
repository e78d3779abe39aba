package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.Mirror;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One mirror (shadow) copy of a call, as the engine decided it: the mirror, its cluster and the endpoint picked
 * for it. The adapter copies the request and sends it fire-and-forget, reporting through {@link #begin},
 * {@link #finished} and {@link #dropped} from any thread: the copy's circuit-breaker permit and outlier feedback
 * are kept here, so a mirror counts against its cluster as Envoy's shadow requests do, and nothing about it
 * reaches the primary call. A copy that fails to connect or times out backs its endpoint off for the engine's
 * later copies ({@link MirrorBackoff}).
 */
public final class MirrorCopy {
    private final RoutedCall call;
    private final Mirror mirror;
    private final Cluster cluster;
    private final Endpoint endpoint;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile ConnectionPool.Permit permit;

    MirrorCopy(RoutedCall call, Mirror mirror, Cluster cluster, Endpoint endpoint) {
        this.call = call;
        this.mirror = mirror;
        this.cluster = cluster;
        this.endpoint = endpoint;
    }

    public RoutedCall call() {
        return call;
    }

    /** The primary request as routed. */
    public RouteRequest request() {
        return call.request();
    }

    public Mirror mirror() {
        return mirror;
    }

    public Cluster cluster() {
        return cluster;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    private MeshListener listener() {
        return call.listener();
    }

    /**
     * The copy is about to be sent: takes a request permit of the mirror cluster. False when its circuit breaker
     * is open; the copy is then dropped (and reported), and must not be sent.
     */
    public boolean begin() {
        ConnectionPool.Permit p = cluster.pool().tryAcquireRequest();
        if (!p.granted()) {
            listener().overflow(call, cluster.key(), p.overflow(), false);
            dropped("circuit breaker open for mirror cluster " + cluster.key());
            return false;
        }
        permit = p;
        cluster.attemptStarted(endpoint);
        listener().mirrorSent(call, mirror, endpoint);
        return true;
    }

    /**
     * The copy is over: {@code outcome} feeds the mirror cluster's outlier detection; {@code status} is its
     * response status (HTTP status or gRPC code), -1 when it failed.
     */
    public void finished(AttemptOutcome outcome, int status) {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        ConnectionPool.Permit p = permit;
        if (p != null) {
            cluster.attemptFinished(endpoint, outcome);
            p.close();
        }
        call.engine().mirrorBackoff().finished(endpoint, outcome);
        listener().mirrorCompleted(call, mirror, status);
    }

    /** The copy is not sent (or no longer): {@code reason} says why. */
    public void dropped(String reason) {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        ConnectionPool.Permit p = permit;
        if (p != null) {
            cluster.attemptAbandoned(endpoint);
            p.close();
        }
        call.engine().mirrorBackoff().abandoned(endpoint);
        listener().mirrorDropped(call, mirror, reason);
    }
}
