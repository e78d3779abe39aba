package io.proxyless.mesh.runtime.call;

import java.util.random.RandomGenerator;

/** Draws for Istio percentages (fault delay/abort, mirror): a share in [0, 100] of requests. */
final class Percentages {
    private Percentages() {
    }

    /**
     * True for about {@code percent} % of calls: never at 0 (or below), always at 100 (or above), so the edges
     * do not depend on the random source.
     */
    static boolean hit(double percent, RandomGenerator random) {
        if (percent <= 0 || Double.isNaN(percent)) {
            return false;
        }
        if (percent >= 100) {
            return true;
        }
        return random.nextDouble() * 100.0 < percent;
    }
}
