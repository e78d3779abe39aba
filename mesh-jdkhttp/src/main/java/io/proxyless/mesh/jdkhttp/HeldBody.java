package io.proxyless.mesh.jdkhttp;

import java.io.IOException;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * The body subscriber of one attempt. Response headers do not yet say whether the application gets this
 * response: the engine may retry it. So the body is held — nothing is requested from the connection — until the
 * engine decides: {@link #commit} hands the subscription to the application's own subscriber (made by its
 * {@code BodyHandler} then, so it never sees a retried response); {@link #discard} cancels it, as Envoy resets
 * the upstream request of a retried try. An end that comes before the decision (an empty body completes without
 * demand; a reset) is kept and passed on at the commit. {@code release} is told, once, when the body is over
 * (bytes read, and the failure or null), so the circuit-breaker permit is returned then and not at the headers.
 */
final class HeldBody<T> implements BodySubscriber<T> {
    private static final Flow.Subscription NONE = new Flow.Subscription() {
        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    };

    private final CompletableFuture<T> body = new CompletableFuture<>();
    private final AtomicBoolean over = new AtomicBoolean();
    private Flow.Subscription subscription;
    private volatile BodySubscriber<T> target;
    private boolean discarded;
    private boolean ended;
    private Throwable endedWith;
    private BiConsumer<Long, Throwable> release;
    private volatile long bytes;

    @Override
    public void onSubscribe(Flow.Subscription s) {
        BodySubscriber<T> to;
        boolean cancel;
        synchronized (this) {
            subscription = s;
            to = target;
            cancel = discarded;
        }
        if (cancel) {
            s.cancel();
        } else if (to != null) {
            to.onSubscribe(s);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        long n = 0;
        for (ByteBuffer b : items) {
            n += b.remaining();
        }
        bytes += n; // one publisher, one thread at a time
        BodySubscriber<T> to = target;
        if (to != null) {
            to.onNext(items);
        }
    }

    @Override
    public void onError(Throwable failure) {
        if (!held(failure)) {
            end(failure);
            target.onError(failure);
        }
    }

    @Override
    public void onComplete() {
        if (!held(null)) {
            end(null);
            target.onComplete();
        }
    }

    /** Keeps an end that comes before the engine's decision; false when the application's subscriber takes it. */
    private synchronized boolean held(Throwable failure) {
        if (target != null) {
            return false;
        }
        ended = true;
        endedWith = failure;
        return true;
    }

    @Override
    public CompletionStage<T> getBody() {
        return body;
    }

    /** The response goes to the application: {@code to} receives the body from now on. */
    void commit(BodySubscriber<T> to, BiConsumer<Long, Throwable> release) {
        Flow.Subscription s;
        boolean endedBefore;
        Throwable failure;
        synchronized (this) {
            this.release = release;
            this.target = to;
            s = subscription;
            endedBefore = ended;
            failure = endedWith;
        }
        to.getBody().whenComplete((value, f) -> {
            if (f != null) {
                body.completeExceptionally(f);
            } else {
                body.complete(value);
            }
        });
        if (s != null || endedBefore) {
            to.onSubscribe(s != null ? s : NONE);
        }
        if (endedBefore) {
            end(failure);
            if (failure != null) {
                to.onError(failure);
            } else {
                to.onComplete();
            }
        }
    }

    /** The engine gave up on this attempt before committing to it: stop the body and drop it. */
    void discard() {
        Flow.Subscription s;
        synchronized (this) {
            discarded = true;
            s = subscription;
        }
        if (s != null) {
            s.cancel();
        }
        body.completeExceptionally(new CancellationException("attempt abandoned by the mesh"));
    }

    /** The call ended while the application was reading a committed body (route timeout): fail its reads. */
    void abort(IOException failure) {
        Flow.Subscription s;
        synchronized (this) {
            s = subscription;
        }
        if (s != null) {
            s.cancel();
        }
        if (!over.get()) {
            onError(failure);
        }
    }

    private void end(Throwable failure) {
        if (!over.compareAndSet(false, true)) {
            return;
        }
        BiConsumer<Long, Throwable> r;
        synchronized (this) {
            r = release;
        }
        if (r != null) {
            r.accept(bytes, failure);
        }
    }
}
