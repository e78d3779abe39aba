package io.proxyless.mesh.grpc;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.tls.ClientTlsContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gRPC channel (one HTTP/2 connection, reconnecting on its own) per endpoint and TLS identity: the mesh's
 * "subchannels". A channel is created on the first attempt to its endpoint and leased for each attempt; when a
 * config change removes the endpoint it is retired, and shut down once its last in-flight attempt releases it,
 * so a reload never fails a call that is already running.
 */
final class EndpointChannels {
    private static final Logger log = LoggerFactory.getLogger(EndpointChannels.class);

    /** Makes the channel for one endpoint (transport settings and TLS decided by the caller). */
    @FunctionalInterface
    interface Factory {
        ManagedChannel create(Key key);
    }

    /**
     * What a channel is for: where to connect and how. Plain-text channels are shared by every authority; a TLS
     * channel is per authority, because the authority is what its handshake names (SNI, and the host that auto
     * SAN validation checks) and gRPC would otherwise re-verify each call's authority against the certificate.
     *
     * @param address              the endpoint address (IP or DNS name)
     * @param port                 the endpoint port
     * @param settings             the cluster's DestinationRule {@code tls} block, or null (none)
     * @param tls                  the mesh TLS context for the cluster, or null (no DestinationRule TLS)
     * @param defaultTls           TLS with the system's roots ({@link MeshChannelOptions#transportSecurity()}) for a
     *                             cluster whose DestinationRule says nothing about TLS
     * @param authority            the authority the handshake is for, or null for plain text
     * @param connection           the cluster's connection settings (connect timeout, idle timeout, keepalive)
     */
    record Key(String address, int port, ClientTLSSettings settings, ClientTlsContext tls, boolean defaultTls,
               String authority, ConnectionSettings connection) {

        String target() {
            return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
        }

        boolean secure() {
            return tls != null || defaultTls;
        }
    }

    /** Permission to use a channel for one attempt; {@link #release()} exactly once when the attempt ends. */
    interface Lease {
        ManagedChannel channel();

        void release();
    }

    private final Factory factory;
    private final ConcurrentHashMap<Key, Entry> channels = new ConcurrentHashMap<>();
    // Every channel not yet terminated (live or retired), for shutdownNow and termination.
    private final Set<ManagedChannel> all = ConcurrentHashMap.newKeySet();
    private volatile boolean shutdown;

    EndpointChannels(Factory factory) {
        this.factory = factory;
    }

    /** Leases the channel for {@code key}, creating it on first use. */
    Lease acquire(Key key) {
        if (shutdown) {
            throw new IllegalStateException("mesh channel is shut down");
        }
        for (;;) {
            Entry e = channels.computeIfAbsent(key, k -> new Entry(k, factory.create(k)));
            if (e.retain()) {
                return e;
            }
            channels.remove(key, e); // retired between lookup and retain: make a fresh one
        }
    }

    /**
     * Retires the channels no longer needed by {@code snapshot}: endpoints that left every cluster, or whose
     * cluster's TLS settings changed. Channels to passthrough destinations are retired too (they are cheap to
     * recreate and may otherwise accumulate).
     */
    void retainOnly(CompiledMesh snapshot) {
        all.removeIf(ManagedChannel::isTerminated);
        Set<List<Object>> live = new HashSet<>();
        for (Cluster c : snapshot.clusters().values()) {
            ClientTLSSettings tls = c.policy().tls();
            for (Endpoint e : c.endpoints()) {
                live.add(List.of(e.address(), e.port(), tls == null ? "" : tls));
            }
        }
        for (Map.Entry<Key, Entry> m : channels.entrySet()) {
            Key k = m.getKey();
            if (!live.contains(List.of(k.address(), k.port(), k.settings() == null ? "" : k.settings()))) {
                if (channels.remove(k, m.getValue())) {
                    log.debug("retiring mesh channel to {} (no longer in the config)", k.target());
                    m.getValue().retire();
                }
            }
        }
    }

    /** Retires every channel: each shuts down once its in-flight attempts end. */
    void shutdown() {
        shutdown = true;
        for (Map.Entry<Key, Entry> m : channels.entrySet()) {
            if (channels.remove(m.getKey(), m.getValue())) {
                m.getValue().retire();
            }
        }
    }

    /** Shuts every channel down now, cancelling what runs on them. */
    void shutdownNow() {
        shutdown();
        for (ManagedChannel c : new ArrayList<>(all)) {
            c.shutdownNow();
        }
    }

    boolean isTerminated() {
        if (!shutdown || !channels.isEmpty()) {
            return false;
        }
        for (ManagedChannel c : all) {
            if (!c.isTerminated()) {
                return false;
            }
        }
        return true;
    }

    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (ManagedChannel c : new ArrayList<>(all)) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !c.awaitTermination(left, TimeUnit.NANOSECONDS)) {
                return isTerminated();
            }
        }
        return isTerminated();
    }

    /** The best state among the live channels: READY if any is, else CONNECTING, TRANSIENT_FAILURE, IDLE. */
    ConnectivityState state() {
        if (shutdown) {
            return ConnectivityState.SHUTDOWN;
        }
        boolean connecting = false;
        boolean failing = false;
        for (Entry e : channels.values()) {
            switch (e.channel.getState(false)) {
                case READY:
                    return ConnectivityState.READY;
                case CONNECTING:
                    connecting = true;
                    break;
                case TRANSIENT_FAILURE:
                    failing = true;
                    break;
                default:
                    break;
            }
        }
        return connecting ? ConnectivityState.CONNECTING
                : failing ? ConnectivityState.TRANSIENT_FAILURE : ConnectivityState.IDLE;
    }

    void resetConnectBackoff() {
        channels.values().forEach(e -> e.channel.resetConnectBackoff());
    }

    void enterIdle() {
        channels.values().forEach(e -> e.channel.enterIdle());
    }

    /** The live channel to {@code port} on any address, or null (for tests). */
    ManagedChannel channelFor(int port) {
        for (Entry e : channels.values()) {
            if (e.key.port() == port) {
                return e.channel;
            }
        }
        return null;
    }

    /** Live (not retired) channels, for tests and dumps. */
    Set<Key> keys() {
        return Set.copyOf(channels.keySet());
    }

    private final class Entry implements Lease {
        final Key key;
        final ManagedChannel channel;
        // 1 for being in the map, +1 per lease; the channel shuts down when it reaches 0.
        final AtomicInteger refs = new AtomicInteger(1);

        Entry(Key key, ManagedChannel channel) {
            this.key = key;
            this.channel = channel;
            all.add(channel);
        }

        boolean retain() {
            for (;;) {
                int n = refs.get();
                if (n <= 0) {
                    return false;
                }
                if (refs.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
        }

        private boolean retired;

        synchronized void retire() {
            if (!retired) {
                retired = true;
                release();
            }
        }

        @Override
        public ManagedChannel channel() {
            return channel;
        }

        @Override
        public void release() {
            if (refs.decrementAndGet() == 0) {
                channel.shutdown();
            }
        }

        @Override
        public String toString() {
            return key.target();
        }
    }
}
