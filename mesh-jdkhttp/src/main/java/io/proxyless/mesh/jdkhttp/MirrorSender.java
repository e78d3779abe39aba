package io.proxyless.mesh.jdkhttp;

import io.proxyless.mesh.runtime.call.MirrorCopy;
import io.proxyless.mesh.runtime.call.Mirroring;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.tls.ClientTlsContext;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.Semaphore;

/**
 * Sends mirror (shadow) copies, fire-and-forget, as Envoy's shadow writer does: the copy goes to the endpoint the
 * engine picked in the mirror cluster, its response is discarded, and nothing about it reaches the primary call.
 * The JDK client is asynchronous, so no thread waits for a copy; the number of copies in flight is bounded and a
 * copy beyond it is dropped (and reported), so a slow or dead mirror never holds up the primary traffic.
 */
final class MirrorSender {
    private final Semaphore inFlight;
    private final Duration timeout;
    private final boolean shadowHostSuffix;

    MirrorSender(int concurrency, Duration timeout, boolean shadowHostSuffix) {
        this.inFlight = new Semaphore(concurrency);
        this.timeout = timeout;
        this.shadowHostSuffix = shadowHostSuffix;
    }

    /**
     * Sends {@code copy} of {@code template}; {@code applicationTls}: the application called {@code https}
     * itself. Never blocks and never throws.
     */
    void send(MeshHttpClient owner, MirrorCopy copy, RequestTemplate template, boolean applicationTls,
              Duration routeTimeout) {
        if (template.oneShot()) {
            copy.dropped("the request body can be sent only once (unknown length or longer than the replay limit)");
            return;
        }
        ClientTlsContext tls = null;
        if (!applicationTls) {
            try {
                tls = owner.tls().forEndpoint(copy.call().engine().mesh().snapshot(), copy.cluster(),
                        copy.endpoint());
            } catch (TlsConfigException e) {
                copy.call().tlsFailure(copy.cluster().key(), e);
                copy.dropped("TLS for mirror cluster cannot be set up: " + e.getMessage());
                return;
            }
        }
        if (!inFlight.tryAcquire()) {
            copy.dropped("too many mirror copies in flight");
            return;
        }
        String authority = shadowHostSuffix ? Mirroring.shadowAuthority(template.authority()) : template.authority();
        Duration limit = routeTimeout != null && routeTimeout.compareTo(timeout) < 0 ? routeTimeout : timeout;
        HttpRequest request;
        HttpClient client;
        try {
            client = owner.upstreams().forAttempt(tls, applicationTls, JdkRequests.hostOf(authority),
                    copy.cluster().pool().limits().connectTimeout());
            request = template.to(copy.endpoint(), tls != null || applicationTls, authority, limit);
        } catch (RuntimeException e) {
            inFlight.release();
            copy.dropped("cannot build the mirror request: " + e);
            return;
        }
        if (!copy.begin()) {
            inFlight.release(); // circuit breaker of the mirror cluster open; reported by the copy
            return;
        }
        client.sendAsync(request, BodyHandlers.discarding()).whenComplete((response, failure) -> {
            inFlight.release();
            if (response != null) {
                copy.finished(AttemptOutcome.httpStatus(response.statusCode()), response.statusCode());
            } else {
                copy.finished(Failures.classify(Failures.unwrap(failure)).outcome(), -1);
            }
        });
    }
}
