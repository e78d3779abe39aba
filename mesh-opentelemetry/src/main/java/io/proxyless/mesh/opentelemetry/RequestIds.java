package io.proxyless.mesh.opentelemetry;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code x-request-id} values as Envoy generates them: random (version 4) UUIDs. A request id correlates logs and
 * traces, it guards nothing, so a fast non-cryptographic source serves (unlike {@link UUID#randomUUID()}, which
 * draws from {@code SecureRandom} on every call).
 */
final class RequestIds {
    private RequestIds() {
    }

    static String next() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;                          // version 4
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;  // IETF variant
        return new UUID(msb, lsb).toString();
    }
}
