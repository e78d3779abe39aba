package io.proxyless.mesh.jdkhttp;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest.BodyPublisher;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * Request bodies that can be sent more than once. A {@link BodyPublisher} may be one-shot (a stream the
 * application hands over), so a body whose length is known and at most the client's replay limit is read once
 * into memory and every attempt and mirror copy sends those bytes; a longer or unknown-length body is sent as
 * given, once: the call then has no retries and no mirror copies.
 */
final class RequestBodies {
    private RequestBodies() {
    }

    /** Reads all of {@code publisher} ({@code length} bytes announced). */
    static CompletableFuture<byte[]> read(BodyPublisher publisher, long length) {
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, Math.min(length, 1 << 20)));
        publisher.subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer item) {
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                out.writeBytes(chunk);
            }

            @Override
            public void onError(Throwable failure) {
                done.completeExceptionally(failure);
            }

            @Override
            public void onComplete() {
                done.complete(out.toByteArray());
            }
        });
        return done;
    }
}
