package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.routing.Mirror;
import java.util.random.RandomGenerator;

/**
 * Mirror (shadow) traffic: which requests are copied and the authority the copy carries.
 *
 * <p>Istio ≥ 1.28 keeps the primary request's authority on the copy ({@code DISABLE_SHADOW_HOST_SUFFIX}
 * defaults to true); Envoy's classic behaviour, which adapters offer as an option, appends {@code -shadow} to the
 * host part ({@link #shadowAuthority}).
 *
 * <pre>{@code
 * for (Mirror m : decision.mirrors()) {
 *     if (Mirroring.selected(m, random)) send(copy, classic ? Mirroring.shadowAuthority(authority) : authority);
 * }
 * }</pre>
 */
public final class Mirroring {
    private Mirroring() {
    }

    /** True when this request is copied to {@code mirror} (its percentage; Istio's unset = 100 %). */
    public static boolean selected(Mirror mirror, RandomGenerator random) {
        return Percentages.hit(mirror.percentage(), random);
    }

    /**
     * Envoy's shadow authority: {@code -shadow} inserted before the port, {@code web:8080} →
     * {@code web-shadow:8080}, {@code web} → {@code web-shadow}, {@code [::1]:80} → {@code [::1]-shadow:80}.
     */
    public static String shadowAuthority(String authority) {
        int portStart = portStart(authority);
        if (portStart < 0) {
            return authority + "-shadow";
        }
        return authority.substring(0, portStart) + "-shadow" + authority.substring(portStart);
    }

    /** Index of the {@code :} before the port, or -1; an IPv6 literal's colons are not ports. */
    private static int portStart(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon < 0) {
            return -1;
        }
        int bracket = authority.lastIndexOf(']');
        if (authority.startsWith("[")) {
            return bracket >= 0 && colon == bracket + 1 ? colon : -1;
        }
        // A bare IPv6 address without brackets has several colons and no port.
        return authority.indexOf(':') == colon ? colon : -1;
    }
}
