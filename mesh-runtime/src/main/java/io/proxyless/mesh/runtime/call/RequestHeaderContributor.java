package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.event.AttemptView;
import io.proxyless.mesh.runtime.event.CallView;
import io.proxyless.mesh.runtime.event.MeshListener;
import java.util.Set;

/**
 * Adds headers to the request of every attempt the engine sends, on every transport: what a sidecar's Envoy adds
 * on the way out (trace context, {@code x-request-id}). Registered on a mesh with
 * {@code Mesh.addHeaderContributor}; the engine asks it once per call for a {@link PerCall}, which hears that
 * call's events and writes the headers of each of its attempts, so per-call state (a span, a request id) lives in
 * the {@code PerCall} and needs no lookup.
 *
 * <pre>{@code
 * mesh.addHeaderContributor(call -> new RequestHeaderContributor.PerCall() {
 *     private final String id = UUID.randomUUID().toString();   // one per call: the same on every retry
 *     public void attemptHeaders(AttemptView attempt, HeaderSink headers) {
 *         headers.set("x-request-id", id);
 *     }
 * });
 * }</pre>
 *
 * <p>With none registered a call pays one volatile read: nothing is allocated and no header is touched.
 */
@FunctionalInterface
public interface RequestHeaderContributor {

    /**
     * A call starts (its start time is set, it is not routed yet): what contributes to its attempts, or null to
     * leave this call alone. Runs in the call's serial executor, on the thread that starts the call.
     */
    PerCall newCall(CallView call);

    /**
     * The request header names this contributor's calls read from the request (lower case, as they ask for them),
     * e.g. the trace context a tracer continues; the same set for as long as it is registered. As for
     * {@link MeshListener#requestHeaderNames()}, adapters that read headers through a key per name make these
     * keys once per config snapshot.
     */
    default Set<String> requestHeaderNames() {
        return Set.of();
    }

    /**
     * One call's contribution. Its {@link MeshListener} methods are called for this call only, after the mesh's
     * listeners, in the call's serial executor.
     */
    interface PerCall extends MeshListener {
        /**
         * Writes this call's headers for {@code attempt} (after the route's header operations). Called once per
         * attempt, after {@link #attemptStarted}, when the adapter builds the attempt's request — maybe on the
         * application's thread, which takes the attempt from the serial executor in order.
         */
        void attemptHeaders(AttemptView attempt, HeaderSink headers);
    }
}
