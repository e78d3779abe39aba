package io.proxyless.mesh.runtime.model;

import java.util.Objects;

/**
 * Envoy's {@code RequestMirrorPolicy}: a copy of a share of requests sent to another cluster, its answer ignored.
 *
 * @param cluster    the cluster that gets the copies
 * @param percentage share of requests mirrored, 0–100 (Istio: unset means 100)
 */
public record MirrorPolicy(String cluster, double percentage) {
    public MirrorPolicy {
        Objects.requireNonNull(cluster, "cluster");
        if (!(percentage >= 0 && percentage <= 100)) {
            throw new IllegalArgumentException("mirror percentage " + percentage + " is not in [0, 100]");
        }
    }

    public static MirrorPolicy of(String cluster, double percentage) {
        return new MirrorPolicy(cluster, percentage);
    }
}
