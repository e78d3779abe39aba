package io.proxyless.mesh.okhttp;

/**
 * Counters of mirror (shadow) traffic since the interceptor was built.
 *
 * @param queued    copies accepted for sending
 * @param dropped   copies not sent: queue full, body not replayable, no mirror endpoint or circuit breaker open
 * @param completed copies that got a response (any status)
 * @param failed    copies that failed (connection error, timeout)
 */
public record MirrorStats(long queued, long dropped, long completed, long failed) {
}
