package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.event.AttemptView;
import io.proxyless.mesh.runtime.event.CallView;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.event.MeshListeners;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The header contributors registered on a mesh. Like {@link MeshListeners}, adding and removing copy a small array
 * and a call reads it through one volatile field, so a mesh without contributors costs a call nothing more.
 */
public final class RequestHeaderContributors {
    private final Object lock = new Object();
    private volatile RequestHeaderContributor[] contributors = new RequestHeaderContributor[0];
    // As in MeshListeners: the contributors' header names, a new set only when a contributor comes or goes.
    private volatile Set<String> requestHeaderNames = Set.of();

    /** Adds {@code contributor} for calls that start from now on; closing the registration removes it. */
    public MeshListeners.Registration add(RequestHeaderContributor contributor) {
        Objects.requireNonNull(contributor, "contributor");
        synchronized (lock) {
            RequestHeaderContributor[] next = Arrays.copyOf(contributors, contributors.length + 1);
            next[next.length - 1] = contributor;
            contributors = next;
            requestHeaderNames = namesOf(next);
        }
        return () -> remove(contributor);
    }

    private void remove(RequestHeaderContributor contributor) {
        synchronized (lock) {
            RequestHeaderContributor[] now = contributors;
            for (int i = 0; i < now.length; i++) {
                if (now[i] == contributor) {
                    RequestHeaderContributor[] next = new RequestHeaderContributor[now.length - 1];
                    System.arraycopy(now, 0, next, 0, i);
                    System.arraycopy(now, i + 1, next, i, now.length - i - 1);
                    contributors = next;
                    requestHeaderNames = namesOf(next);
                    return;
                }
            }
        }
    }

    /**
     * The request header names the registered contributors read
     * ({@link RequestHeaderContributor#requestHeaderNames()}): the same object until one is added or removed.
     */
    public Set<String> requestHeaderNames() {
        return requestHeaderNames;
    }

    private static Set<String> namesOf(RequestHeaderContributor[] contributors) {
        Set<String> names = new HashSet<>();
        for (RequestHeaderContributor c : contributors) {
            names.addAll(c.requestHeaderNames());
        }
        return Set.copyOf(names);
    }

    /** How many contributors are registered. */
    public int size() {
        return contributors.length;
    }

    /** The contribution to {@code call} of every contributor, or null when none takes part. */
    RequestHeaderContributor.PerCall forCall(CallView call) {
        RequestHeaderContributor[] now = contributors;
        if (now.length == 0) {
            return null;
        }
        RequestHeaderContributor.PerCall result = null;
        for (RequestHeaderContributor c : now) {
            RequestHeaderContributor.PerCall p = c.newCall(call);
            if (p != null) {
                result = result == null ? p : new Pair(result, p);
            }
        }
        return result;
    }

    /** The listener that hears {@code contribution}'s call: itself, or both halves of a pair. */
    static MeshListener events(RequestHeaderContributor.PerCall contribution) {
        return contribution instanceof Pair pair ? pair.events : contribution;
    }

    /**
     * Two contributions to one call, in the order they were registered: headers from both, events to both
     * through {@link #events} (its own listener methods stay empty).
     */
    private static final class Pair implements RequestHeaderContributor.PerCall {
        private final RequestHeaderContributor.PerCall first;
        private final RequestHeaderContributor.PerCall second;
        private final MeshListener events;

        Pair(RequestHeaderContributor.PerCall first, RequestHeaderContributor.PerCall second) {
            this.first = first;
            this.second = second;
            this.events = MeshListener.both(events(first), events(second));
        }

        @Override
        public void attemptHeaders(AttemptView attempt, HeaderSink headers) {
            first.attemptHeaders(attempt, headers);
            second.attemptHeaders(attempt, headers);
        }
    }
}
