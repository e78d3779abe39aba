package io.proxyless.mesh.runtime.call;

/**
 * The mesh has no route for the call: no VirtualService route matched (a sidecar answers 404), the host is not
 * in the registry under {@code REGISTRY_ONLY} (502), or the route's destination or subset does not exist (503).
 */
public final class MeshRejectedException extends MeshException {
    public MeshRejectedException(String host, String route, int status, String reason) {
        super(host, route, status, reason, null);
    }
}
