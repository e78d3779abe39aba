package io.proxyless.mesh.runtime.source;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.runtime.config.MeshConfig;
import java.util.List;

/**
 * Where the mesh's config comes from: holds the current {@link MeshConfig} and tells listeners about each new
 * one. A source only ever publishes config without errors; a rejected change leaves {@link #current()} as it
 * was and shows up in {@link #lastProblems()} and {@link ConfigListener#onRejected}.
 *
 * <pre>{@code
 * try (ConfigSource source = FileConfigSource.start(List.of(Path.of("mesh/")), "shop")) {
 *     source.addListener(config -> router.update(config));   // called at once with the current config
 *     ...
 * }
 * }</pre>
 *
 * <p>Implementations: {@code source.file.FileConfigSource}; the xDS source of {@code io.proxyless:mesh-xds}
 * (found through {@link ConfigSourceProvider}).
 */
public interface ConfigSource extends AutoCloseable {

    /** The config in force now. Never null; a cheap volatile read, safe to call on every request. */
    MeshConfig current();

    /**
     * Registers {@code listener} and, before this method returns, calls it once with {@link #current()} on the
     * calling thread, so it cannot miss the config in force when it subscribed. Later snapshots are delivered
     * on the source's own thread. Deliveries to listeners are serialised: a listener is never called
     * concurrently, and sees versions in increasing order.
     */
    void addListener(ConfigListener listener);

    /** Stops calling {@code listener}; a delivery already under way may still complete. */
    void removeListener(ConfigListener listener);

    /**
     * Every problem (errors, warnings, infos) of the most recent load attempt, sorted by location. After a
     * rejected change these are its errors (and the old config stays in force); after an accepted one, its
     * warnings. Empty when the last attempt found nothing to say.
     */
    List<Problem> lastProblems();

    /**
     * Every resource in force with its version, status ({@code ACKED}, {@code NACKED}, {@code REQUESTED},
     * {@code DOES_NOT_EXIST}) and error, as JSON. By default the Istio resources of {@link #current()}
     * ({@link ConfigDump}); the xDS source lists its xDS resources, like Envoy's {@code /config_dump}.
     */
    default String configDump() {
        return ConfigDump.of(this);
    }

    /**
     * Tells the source that this workload serves inbound calls on {@code port}. A source that configures servers
     * (the xDS source: the port's inbound listener, with its mTLS mode and RBAC filters) starts asking for that
     * port's config; until it has arrived, the inbound policy it publishes refuses calls on the port. Idempotent,
     * callable from any thread. Sources whose inbound policy comes with their config (files) ignore it.
     */
    default void serveInbound(int port) {
    }

    /** Stops watching for changes and releases the source's thread. Idempotent; {@link #current()} still works. */
    @Override
    void close();
}
