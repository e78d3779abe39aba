package io.proxyless.mesh.runtime.registry;

import com.google.common.net.InetAddresses;
import java.net.InetAddress;
import java.util.Map;
import java.util.Objects;

/**
 * One network destination of a service port: where to connect and what the mesh knows about the workload
 * behind it. Endpoints are compiled once per config snapshot and shared by every request; identity
 * (equals/hashCode) is by value, so health state keyed by endpoint survives a reload that keeps the endpoint.
 *
 * @param address        IP address or DNS name to connect to (a DNS name for {@code resolution: DNS} services,
 *                       resolved by the adapter's resolver at connect time)
 * @param port           the port to connect to: the endpoint's own port for the service port (WorkloadEntry
 *                       {@code ports} by port name), else the service port's {@code targetPort}, else its number
 * @param labels         workload labels (subset selection, {@code sourceLabels})
 * @param locality       {@code region/zone/subzone}, or empty
 * @param weight         load-balancing weight, ≥ 1 (Istio's default 1)
 * @param network        network name, or empty
 * @param serviceAccount service account for ISTIO_MUTUAL identity checks, or null
 * @param ipAddress      {@code address} parsed, when it is an IP literal (so a transport connects without a
 *                       lookup and without parsing it per request), else null; derived from {@code address}
 */
public record Endpoint(String address, int port, Map<String, String> labels, String locality, int weight,
                       String network, String serviceAccount, InetAddress ipAddress) {
    public Endpoint {
        Objects.requireNonNull(address, "address");
        ipAddress = InetAddresses.isInetAddress(address) ? InetAddresses.forString(address) : null;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        locality = locality == null ? "" : locality;
        network = network == null ? "" : network;
        if (weight < 1) {
            weight = 1;
        }
    }

    /** An endpoint; {@link #ipAddress()} is derived from {@code address}. */
    public Endpoint(String address, int port, Map<String, String> labels, String locality, int weight,
                    String network, String serviceAccount) {
        this(address, port, labels, locality, weight, network, serviceAccount, null);
    }

    public static Endpoint of(String address, int port) {
        return new Endpoint(address, port, Map.of(), "", 1, "", null);
    }

    /** {@code address:port}, with brackets for IPv6. */
    public String authority() {
        return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
    }

    /**
     * Address and port only: equal endpoints still hash alike, and per-endpoint state (outlier detection, request
     * counts) is looked up by endpoint on every attempt, where hashing the labels map each time would show.
     */
    @Override
    public int hashCode() {
        return 31 * address.hashCode() + port;
    }

    @Override
    public String toString() {
        return authority();
    }
}
