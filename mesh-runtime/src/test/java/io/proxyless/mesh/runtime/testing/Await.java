package io.proxyless.mesh.runtime.testing;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waiting for effects that happen on other threads (a server seeing a request, a timer being scheduled), whose
 * timing says nothing about the mesh: a generous bound that only catches a hang, never a time window.
 */
public final class Await {
    private Await() {
    }

    /** Waits until {@code condition} holds, failing after 30 s with {@code what}. */
    public static void until(String what, BooleanSupplier condition) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }
}
