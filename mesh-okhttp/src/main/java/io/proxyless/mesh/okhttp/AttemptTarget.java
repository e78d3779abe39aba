package io.proxyless.mesh.okhttp;

import io.proxyless.mesh.runtime.tls.ClientTlsContext;

/**
 * Where and how one attempt (or one mirror copy) is sent: the endpoint's DNS, the cluster's TLS ({@code null}
 * for plain text) and the socket timeouts of this try. {@code cluster} is the compiled cluster the attempt belongs
 * to; OkHttp 4 keeps the clients it derives for it as long as that cluster is alive (see
 * {@link DerivedClientTransport}).
 */
record AttemptTarget(Object cluster, EndpointDns dns, ClientTlsContext tls, int connectTimeoutMillis,
                     int readTimeoutMillis, int writeTimeoutMillis) {

    static int millis(long value) {
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, value));
    }
}
