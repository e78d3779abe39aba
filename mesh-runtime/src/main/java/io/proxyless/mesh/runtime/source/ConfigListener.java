package io.proxyless.mesh.runtime.source;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.runtime.config.MeshConfig;
import java.util.List;

/**
 * Told about config changes by a {@link ConfigSource}. Calls are serialised per source and may come from the
 * source's own thread: keep them quick (swap a reference, compile a table) and never block on that source.
 *
 * <pre>{@code
 * source.addListener(config -> routes = RouteTable.compile(config));
 * }</pre>
 */
@FunctionalInterface
public interface ConfigListener {

    /** A new config is in force (or, on subscription, the one already in force). */
    void onConfig(MeshConfig config);

    /**
     * A change was rejected because it has errors; the previous config stays in force. {@code problems} holds
     * all problems of the rejected attempt, sorted by location. Does nothing by default.
     */
    default void onRejected(List<Problem> problems) {
    }
}
