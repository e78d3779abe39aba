package io.proxyless.mesh.runtime.event;

import io.proxyless.mesh.runtime.call.FaultDecision;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Mirror;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The mesh's listener: the one given to the builder plus those added later (metrics, traces, access logs bound to
 * a mesh that is already serving calls). Adding and removing copy a small array; an event reads it through one
 * volatile field and calls each listener in order, so the request path takes no lock and allocates nothing.
 */
public final class MeshListeners implements MeshListener {
    private final Object lock = new Object();
    private volatile MeshListener[] listeners;
    // The listeners' request header names, made anew only when a listener comes or goes: the same set object
    // until then, so an adapter tells by identity that the keys it made of them still hold.
    private volatile Set<String> requestHeaderNames;

    /** Starts with {@code initial} ({@link MeshListener#NONE}: none). */
    public MeshListeners(MeshListener initial) {
        listeners = initial == NONE ? new MeshListener[0] : new MeshListener[] {Objects.requireNonNull(initial)};
        requestHeaderNames = namesOf(listeners);
    }

    /**
     * Adds {@code listener} for calls that start from now on (calls in flight may or may not see it); closing the
     * returned registration removes it again.
     */
    public Registration add(MeshListener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (lock) {
            MeshListener[] next = Arrays.copyOf(listeners, listeners.length + 1);
            next[next.length - 1] = listener;
            listeners = next;
            requestHeaderNames = namesOf(next);
        }
        return () -> remove(listener);
    }

    private void remove(MeshListener listener) {
        synchronized (lock) {
            MeshListener[] now = listeners;
            for (int i = 0; i < now.length; i++) {
                if (now[i] == listener) {
                    MeshListener[] next = new MeshListener[now.length - 1];
                    System.arraycopy(now, 0, next, 0, i);
                    System.arraycopy(now, i + 1, next, i, now.length - i - 1);
                    listeners = next;
                    requestHeaderNames = namesOf(next);
                    return;
                }
            }
        }
    }

    /**
     * The request header names the registered listeners read ({@link MeshListener#requestHeaderNames()}): the same
     * object until a listener is added or removed.
     */
    @Override
    public Set<String> requestHeaderNames() {
        return requestHeaderNames;
    }

    private static Set<String> namesOf(MeshListener[] listeners) {
        Set<String> names = new HashSet<>();
        for (MeshListener l : listeners) {
            names.addAll(l.requestHeaderNames());
        }
        return Set.copyOf(names);
    }

    /** How many listeners are registered. */
    public int size() {
        return listeners.length;
    }

    /** Removes a listener added with {@link #add}; closing twice does nothing. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    public void routed(CallView call) {
        for (MeshListener l : listeners) {
            l.routed(call);
        }
    }

    @Override
    public void faultApplied(CallView call, FaultDecision fault) {
        for (MeshListener l : listeners) {
            l.faultApplied(call, fault);
        }
    }

    @Override
    public void attemptStarted(CallView call, AttemptView attempt) {
        for (MeshListener l : listeners) {
            l.attemptStarted(call, attempt);
        }
    }

    @Override
    public void attemptFinished(CallView call, AttemptView attempt) {
        for (MeshListener l : listeners) {
            l.attemptFinished(call, attempt);
        }
    }

    @Override
    public void retrying(CallView call, AttemptView failed, int retry, Duration backoff) {
        for (MeshListener l : listeners) {
            l.retrying(call, failed, retry, backoff);
        }
    }

    @Override
    public void overflow(CallView call, String clusterKey, ConnectionPool.Overflow overflow, boolean retry) {
        for (MeshListener l : listeners) {
            l.overflow(call, clusterKey, overflow, retry);
        }
    }

    @Override
    public void mirrorSent(CallView call, Mirror mirror, Endpoint endpoint) {
        for (MeshListener l : listeners) {
            l.mirrorSent(call, mirror, endpoint);
        }
    }

    @Override
    public void mirrorDropped(CallView call, Mirror mirror, String reason) {
        for (MeshListener l : listeners) {
            l.mirrorDropped(call, mirror, reason);
        }
    }

    @Override
    public void mirrorCompleted(CallView call, Mirror mirror, int status) {
        for (MeshListener l : listeners) {
            l.mirrorCompleted(call, mirror, status);
        }
    }

    @Override
    public void tlsFailure(CallView call, String clusterKey, Throwable failure) {
        for (MeshListener l : listeners) {
            l.tlsFailure(call, clusterKey, failure);
        }
    }

    @Override
    public void callFinished(CallView call) {
        for (MeshListener l : listeners) {
            l.callFinished(call);
        }
    }
}
