package io.proxyless.mesh.jdkhttp;

import io.proxyless.mesh.runtime.health.AttemptOutcome;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * How Envoy would classify a JDK client failure of one attempt, for outlier detection and retry decisions: a
 * connection that could not be made (refused, unreachable, connect timeout, TLS handshake) is a connect failure;
 * the client's own timeout is a timeout; anything else after connecting is a reset.
 */
record Failures(AttemptOutcome outcome, boolean requestSent) {

    static Failures classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof PortUnreachableException || t instanceof UnknownHostException
                    || t instanceof UnresolvedAddressException || t instanceof HttpConnectTimeoutException
                    || t instanceof SSLHandshakeException || t instanceof SSLPeerUnverifiedException) {
                return new Failures(AttemptOutcome.connectFailure(), false);
            }
            if (t instanceof HttpTimeoutException) {
                return new Failures(AttemptOutcome.timeout(), true);
            }
        }
        return new Failures(AttemptOutcome.reset(), true);
    }

    /** True when {@code failure} is (or was caused by) a TLS failure. */
    static boolean isTls(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                return true;
            }
        }
        return false;
    }

    /** The failure a {@link java.util.concurrent.CompletableFuture} stage saw, without its wrappers. */
    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
