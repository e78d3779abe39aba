package io.proxyless.mesh.okhttp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Dns;

/**
 * Resolves the host of a rewritten request URL to the endpoint the mesh picked, and any other name (a redirect
 * OkHttp follows to another host) with the client's own DNS. One instance per (host, endpoint address, client
 * DNS), reused: OkHttp keys its connection pool on the DNS object, so an endpoint keeps its pooled connections.
 */
final class EndpointDns implements Dns {
    private static final int MAX_CACHED = 4096;

    private record Key(String host, String address, Dns fallback) {
    }

    /** Shared by all interceptors: the key includes the client's DNS. */
    private static final Map<Key, EndpointDns> CACHE = new ConcurrentHashMap<>();

    private final String host;
    private final String address;
    private final List<InetAddress> literal;
    private final Dns fallback;

    private EndpointDns(String host, String address, Dns fallback) {
        this.host = host;
        this.address = address;
        this.fallback = fallback;
        List<InetAddress> lit = null;
        if (OkHttpRequests.isIpLiteral(address)) {
            try {
                // A literal: getByName parses it without a lookup.
                lit = List.of(InetAddress.getByName(address));
            } catch (UnknownHostException e) {
                lit = null;
            }
        }
        this.literal = lit;
    }

    static EndpointDns of(String host, String address, Dns fallback) {
        Key key = new Key(host, address, fallback);
        EndpointDns dns = CACHE.get(key);
        if (dns == null) {
            if (CACHE.size() > MAX_CACHED) {
                // Endpoints churn across reloads; starting over only costs new pool keys.
                CACHE.clear();
            }
            dns = CACHE.computeIfAbsent(key, k -> new EndpointDns(k.host(), k.address(), k.fallback()));
        }
        return dns;
    }

    @Override
    public List<InetAddress> lookup(String hostname) throws UnknownHostException {
        if (hostname.equalsIgnoreCase(host)) {
            return literal != null ? literal : fallback.lookup(address);
        }
        return fallback.lookup(hostname);
    }

    @Override
    public String toString() {
        return "EndpointDns{" + host + " -> " + address + "}";
    }
}
