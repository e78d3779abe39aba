package io.proxyless.mesh.okhttp;

import io.proxyless.mesh.runtime.health.AttemptOutcome;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * How Envoy would classify an OkHttp failure of one attempt, for outlier detection and retry decisions: a
 * connection that could not be made (refused, unreachable, DNS, connect timeout, TLS handshake) is a connect
 * failure; a read/write timeout is a timeout; anything else after connecting is a reset.
 */
record Failures(AttemptOutcome outcome, boolean refusedStream, boolean requestSent) {

    static Failures classify(IOException e) {
        if (e instanceof ConnectException || e instanceof NoRouteToHostException
                || e instanceof PortUnreachableException || e instanceof UnknownHostException
                || e instanceof SSLHandshakeException || e instanceof SSLPeerUnverifiedException) {
            return new Failures(AttemptOutcome.connectFailure(), false, false);
        }
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        if (e instanceof SocketTimeoutException) {
            return message.contains("connect")
                    ? new Failures(AttemptOutcome.connectFailure(), false, false)
                    : new Failures(AttemptOutcome.timeout(), false, true);
        }
        if (message.contains("refused_stream")) {
            return new Failures(AttemptOutcome.reset(), true, true);
        }
        return new Failures(AttemptOutcome.reset(), false, true);
    }
}
