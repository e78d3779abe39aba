package io.proxyless.mesh.okhttp;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;
import okhttp3.Dns;

/**
 * Resolves the host of a rewritten request URL to the endpoint the mesh picked, and any other name (a redirect
 * OkHttp follows to another host) with the client's own DNS. A value: OkHttp keys its connection pool on the DNS
 * object by {@code equals}, so two instances for the same (host, endpoint address, client DNS) share pooled
 * connections, and one is made per attempt without any cache. An IP endpoint's address was parsed when the
 * snapshot was compiled ({@link Endpoint#ipAddress()}).
 */
final class EndpointDns implements Dns {
    private final String host;
    private final String address;
    private final InetAddress literal;
    private final Dns fallback;

    private EndpointDns(String host, String address, InetAddress literal, Dns fallback) {
        this.host = host;
        this.address = address;
        this.literal = literal;
        this.fallback = fallback;
    }

    static EndpointDns of(String host, Endpoint endpoint, Dns fallback) {
        return new EndpointDns(host, endpoint.address(), endpoint.ipAddress(), fallback);
    }

    @Override
    public List<InetAddress> lookup(String hostname) throws UnknownHostException {
        if (hostname.equalsIgnoreCase(host)) {
            // Only when a connection is made (rare next to pooled reuse), so the list is made here, not per attempt.
            return literal != null ? List.of(literal) : fallback.lookup(address);
        }
        return fallback.lookup(hostname);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EndpointDns d && d.host.equals(host) && d.address.equals(address)
                && d.fallback.equals(fallback);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, address, fallback);
    }

    @Override
    public String toString() {
        return "EndpointDns{" + host + " -> " + address + "}";
    }
}
