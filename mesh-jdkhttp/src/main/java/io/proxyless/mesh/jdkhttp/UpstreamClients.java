package io.proxyless.mesh.jdkhttp;

import io.proxyless.mesh.runtime.tls.ClientTlsContext;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLParameters;

/**
 * The clients that carry a {@link MeshHttpClient}'s attempts. An {@code HttpClient} is immutable — its connect
 * timeout, TLS context and SNI are fixed when it is built — so the mesh derives one client per setting an attempt
 * needs: per connect timeout of the cluster, and for TLS per cluster TLS context and logical host (the host the
 * engines are opened for and the SNI). Derived clients copy the application's client (redirect policy, version,
 * proxy, cookie handler, authenticator, executor). They belong to one wrapped client, never to the JVM: a new
 * {@code MeshHttpClient} starts with none, and they go when it goes. Their number is bounded by the config (TLS
 * contexts × hosts × connect timeouts), not by the traffic.
 */
final class UpstreamClients {
    /** {@code tls}: a {@link ClientTlsContext}, {@link #APPLICATION_TLS} or null for plain text. */
    private record Key(Object tls, String peerHost, Duration connectTimeout) {
    }

    private static final Object APPLICATION_TLS = new Object();

    private final HttpClient application;
    private final ConcurrentHashMap<Key, HttpClient> clients = new ConcurrentHashMap<>();

    UpstreamClients(HttpClient application) {
        this.application = application;
    }

    /**
     * The client for an attempt: {@code tls} is the cluster's context (mesh TLS origination), else
     * {@code applicationTls} says the application called {@code https} itself; {@code peerHost} is the host the
     * application called.
     */
    HttpClient forAttempt(ClientTlsContext tls, boolean applicationTls, String peerHost, Duration connectTimeout) {
        if (tls == null && !applicationTls) {
            if (application.connectTimeout().equals(Optional.of(connectTimeout))) {
                return application;
            }
            return clients.computeIfAbsent(new Key(null, null, connectTimeout), k -> derive(k).build());
        }
        String host = peerHost.toLowerCase(Locale.ROOT);
        Key key = new Key(tls != null ? tls : APPLICATION_TLS, host, connectTimeout);
        return clients.computeIfAbsent(key, k -> tls != null ? meshTls(k, tls, host) : applicationTls(k, host));
    }

    /** Number of derived clients, for tests and diagnostics. */
    int size() {
        return clients.size();
    }

    private HttpClient meshTls(Key key, ClientTlsContext tls, String host) {
        SSLParameters parameters = tls.sslContext().getDefaultSSLParameters();
        parameters.setServerNames(serverNames(tls.serverNameFor(host)));
        return derive(key)
                .sslContext(new PeerHostSslContext(tls.sslContext(), host, engine -> tls.configure(engine, host)))
                .sslParameters(parameters)
                .build();
    }

    private HttpClient applicationTls(Key key, String host) {
        SSLParameters parameters = application.sslParameters();
        SNIServerName name = null;
        try {
            name = com.google.common.net.InetAddresses.isInetAddress(host) ? null : new SNIHostName(host);
        } catch (IllegalArgumentException e) {
            // a name SNI cannot carry: none is sent
        }
        parameters.setServerNames(serverNames(name));
        return derive(key)
                .sslContext(new PeerHostSslContext(application.sslContext(), host, engine -> { }))
                .sslParameters(parameters)
                .build();
    }

    /** The JDK sends the client's server names for a URI with an IP address; an empty list sends none. */
    private static List<SNIServerName> serverNames(SNIServerName name) {
        return name == null ? List.of() : List.of(name);
    }

    private HttpClient.Builder derive(Key key) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .followRedirects(application.followRedirects())
                .version(application.version())
                .connectTimeout(key.connectTimeout());
        application.proxy().ifPresent(b::proxy);
        application.cookieHandler().ifPresent(b::cookieHandler);
        application.authenticator().ifPresent(b::authenticator);
        application.executor().ifPresent(b::executor);
        return b;
    }
}
