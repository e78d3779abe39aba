package io.proxyless.mesh.micrometer;

import static io.proxyless.mesh.micrometer.SourceIdentity.UNKNOWN;
import static io.proxyless.mesh.micrometer.SourceIdentity.firstKnown;
import static io.proxyless.mesh.micrometer.SourceIdentity.isKnown;

import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.registry.MeshService;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.tls.ClientTlsPolicy;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code destination_*} labels of one (cluster, endpoint) pair, as a sidecar computes them for the upstream it
 * called: the service from the cluster (its FQDN, short name and namespace), the workload from the endpoint's
 * labels. Computed once per pair and kept by {@link MeshMetrics}, so a request pays a map lookup, not this.
 *
 * <p>Hosts the mesh does not know never become label values (a sidecar would write the raw host of a passed-through
 * request): {@code destination_service} is then {@code unknown} and {@code destination_service_name} is Istio's
 * cluster name, {@code PassthroughCluster} or {@code BlackHoleCluster}.
 */
record Destination(String service, String serviceName, String serviceNamespace, String workload,
                   String workloadNamespace, String app, String version, String principal, String canonicalService,
                   String canonicalRevision, String cluster) {

    static final String PASSTHROUGH = "PassthroughCluster";
    static final String BLACKHOLE = "BlackHoleCluster";

    /** No destination known (a local reply, a route to nothing). */
    static final Destination NONE = new Destination(UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN,
            UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN);
    /** Requests to hosts outside the registry under ALLOW_ANY (Envoy's original-destination cluster). */
    static final Destination PASSTHROUGH_CLUSTER = new Destination(UNKNOWN, PASSTHROUGH, UNKNOWN, UNKNOWN, UNKNOWN,
            UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN);
    /** Requests refused because the host is outside the registry under REGISTRY_ONLY (a sidecar's 502). */
    static final Destination BLACKHOLE_CLUSTER = new Destination(UNKNOWN, BLACKHOLE, UNKNOWN, UNKNOWN, UNKNOWN,
            UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN);

    /** The destination of a call that was not forwarded (no cluster): only REGISTRY_ONLY's 502 is named. */
    static Destination unforwarded(RouteDecision decision) {
        return decision != null && decision.status() == 502 && decision.route() == null ? BLACKHOLE_CLUSTER : NONE;
    }

    /**
     * The destination of a call to {@code cluster}, answered (or not) by {@code endpoint} (null when no attempt
     * reached an endpoint: the workload labels are then {@code unknown}, as a sidecar without peer metadata has
     * them).
     */
    static Destination of(Cluster cluster, Endpoint endpoint, CompiledMesh snapshot, String trustDomain) {
        if (cluster.passthrough()) {
            return PASSTHROUGH_CLUSTER;
        }
        String host = cluster.host();
        String name;
        String namespace;
        String[] parts = host.split("\\.");
        if (parts.length >= 4 && parts[2].equals("svc")) {
            // NAME.NAMESPACE.svc.DOMAIN: a Kubernetes service, named as Kubernetes names it.
            name = parts[0];
            namespace = parts[1];
        } else {
            // A ServiceEntry host: Istio names the service by its host, in the ServiceEntry's namespace.
            name = host;
            Optional<MeshService> service = snapshot.registry().lookup(host);
            namespace = service.map(MeshService::namespace).orElse(UNKNOWN);
        }
        if (endpoint == null) {
            return new Destination(host, name, namespace, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN,
                    UNKNOWN, UNKNOWN);
        }
        Map<String, String> labels = endpoint.labels();
        String app = firstKnown(labels.get("app"), labels.get("app.kubernetes.io/name"));
        String version = firstKnown(labels.get("version"), labels.get("app.kubernetes.io/version"));
        String principal = UNKNOWN;
        ClientTlsPolicy tls = cluster.tlsPolicy(endpoint);
        if (tls != null && tls.mode() == ClientTLSSettings.TLSmode.ISTIO_MUTUAL && isKnown(endpoint.serviceAccount())) {
            String sa = endpoint.serviceAccount();
            principal = sa.startsWith("spiffe://") ? sa : SourceIdentity.spiffe(trustDomain, namespace, sa);
        }
        return new Destination(host, name, namespace, UNKNOWN, namespace, app, version, principal,
                firstKnown(labels.get("service.istio.io/canonical-name"), app),
                firstKnown(labels.get("service.istio.io/canonical-revision"), version, "latest"),
                firstKnown(labels.get("topology.istio.io/cluster")));
    }
}
