package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.kubernetes.KubernetesObjects;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Runs Istio's networking analyzers over loaded config, as {@code istioctl analyze} does on files.
 *
 * <pre>{@code
 * List<Problem> findings = Analyzers.analyze(loaded.resources(), loaded.kubernetes(), Set.of());
 * }</pre>
 *
 * <p>The analyzers and the messages each one reports (codes as in Istio):
 * <ul>
 *   <li>{@link DestinationHostAnalyzer}: IST0101 destination or mirror host (or host:port) unknown, IST0112 port
 *       needed, IST0140 subset without effect on an ingress gateway</li>
 *   <li>{@link VirtualServiceSubsetAnalyzer}: IST0101 subset no DestinationRule defines</li>
 *   <li>{@link VirtualServiceGatewayAnalyzer}: IST0101 gateway unknown, IST0132 host not in the gateway, IST0165
 *       reference to an internal gateway</li>
 *   <li>{@link ConflictingMeshGatewayHostsAnalyzer}: IST0109</li>
 *   <li>{@link UnreachableRuleAnalyzer}: IST0130, IST0131 (Istio reports these while validating)</li>
 *   <li>{@link CaCertificateAnalyzer}: IST0128, IST0129</li>
 *   <li>{@link DestinationRuleHostAnalyzer}: IST0174, IST0173</li>
 *   <li>{@link ConflictingGatewayAnalyzer}: IST0145, IST0101 selector</li>
 *   <li>{@link GatewayCertificateAnalyzer}: IST0138</li>
 *   <li>{@link GatewayPortAnalyzer}: IST0162, IST0101 selector</li>
 *   <li>{@link GatewaySecretAnalyzer}: IST0101 credentialName, IST0161 (when Secrets are loaded)</li>
 *   <li>{@link SidecarSelectorAnalyzer}: IST0101 selector, IST0110, IST0111, IST0167</li>
 *   <li>{@link ServiceEntryAnalyzer}: IST0134, IST0177</li>
 *   <li>{@link JwtClaimRouteAnalyzer}: IST0149 JWT claim route on a gateway without RequestAuthentication</li>
 * </ul>
 * Host names are compared as Istio's analyzers compare them: a name without a dot is expanded in the namespace of
 * the resource that writes it ({@code reviews} → {@code reviews.default.svc.cluster.local}), anything else is
 * taken as written.
 */
public final class Analyzers {
    private static final List<Analyzer> ALL = List.of(
            new DestinationHostAnalyzer(),
            new VirtualServiceSubsetAnalyzer(),
            new VirtualServiceGatewayAnalyzer(),
            new ConflictingMeshGatewayHostsAnalyzer(),
            new UnreachableRuleAnalyzer(),
            new CaCertificateAnalyzer(),
            new DestinationRuleHostAnalyzer(),
            new ConflictingGatewayAnalyzer(),
            new GatewayCertificateAnalyzer(),
            new GatewayPortAnalyzer(),
            new GatewaySecretAnalyzer(),
            new SidecarSelectorAnalyzer(),
            new ServiceEntryAnalyzer(),
            new JwtClaimRouteAnalyzer(),
            new PolicyPortAnalyzer());

    /** Istio's cluster-local suffix for Kubernetes service names. */
    static final String CLUSTER_LOCAL_SUFFIX = "svc.cluster.local";

    private Analyzers() {
    }

    /**
     * Every finding about the loaded config.
     *
     * @param resources          the Istio resources, in load order
     * @param kubernetes         the Kubernetes objects loaded beside them
     * @param allocatedAddresses {@code ServiceEntry ns/name} of entries whose status lists allocated addresses
     */
    public static List<Problem> analyze(List<Resource<?>> resources, KubernetesObjects kubernetes,
                                        Set<String> allocatedAddresses) {
        return analyze(resources, resources, kubernetes, allocatedAddresses);
    }

    /**
     * Every finding about config that may hold resources which failed validation. The analyses look at all of
     * {@code resources}, as {@code istioctl analyze} does; an analysis that cannot make sense of an invalid
     * resource (a list entry left empty, say) runs again over {@code valid} alone, whose errors already say
     * what is wrong.
     *
     * @param resources the resources that bound to the model, valid or not
     * @param valid     those of them that passed validation
     */
    public static List<Problem> analyze(List<Resource<?>> resources, List<Resource<?>> valid,
                                        KubernetesObjects kubernetes, Set<String> allocatedAddresses) {
        // The one reading of the wall clock: whether a Gateway's certificate has expired is a question about now.
        Instant now = Instant.now();
        AnalysisInput all = new AnalysisInput(List.copyOf(resources), kubernetes, Set.copyOf(allocatedAddresses), now);
        AnalysisInput validOnly = new AnalysisInput(List.copyOf(valid), kubernetes, Set.copyOf(allocatedAddresses),
                now);
        List<Problem> findings = new ArrayList<>();
        for (Analyzer analyzer : ALL) {
            List<Problem> found = new ArrayList<>();
            try {
                analyzer.analyze(all, found);
            } catch (RuntimeException e) {
                if (valid.size() == resources.size()) {
                    throw e; // valid config must never trip an analysis: a bug, not bad input
                }
                found.clear();
                analyzer.analyze(validOnly, found);
            }
            findings.addAll(found);
        }
        return findings;
    }

    // ---------------------------------------------------------------- helpers shared by the analyzers

    /** A host as Istio's analyzers qualify it: a name without a dot (and not a wildcard) gets the namespace. */
    static String fqdn(String namespace, String host) {
        if (host == null) {
            return "";
        }
        if (!host.startsWith("*") && !host.contains(".")) {
            return host + "." + namespace + "." + CLUSTER_LOCAL_SUFFIX;
        }
        return host;
    }

    /** Go's {@code %q}: the string in double quotes with quotes and backslashes escaped. */
    static String quote(String value) {
        String v = value == null ? "" : value;
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Go's {@code %v} of a string slice: {@code [a b c]}. */
    static String goList(List<?> values) {
        return values.stream().map(String::valueOf).collect(Collectors.joining(" ", "[", "]"));
    }

    /** A label selector as Kubernetes prints it: {@code k1=v1,k2=v2}, keys sorted; empty for no labels. */
    static String selectorString(Map<String, String> selector) {
        if (selector == null || selector.isEmpty()) {
            return "";
        }
        return new TreeMap<>(selector).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    /** Whether {@code labels} carry every key of {@code selector} with the same value; an empty selector selects all. */
    static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        if (selector == null) {
            return true;
        }
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** Istio's host overlap test: equal names, or a wildcard whose suffix the other ends with (both ways). */
    static boolean hostsMatch(String a, String b) {
        boolean aWild = a.startsWith("*");
        boolean bWild = b.startsWith("*");
        if (aWild && bWild) {
            return a.length() < b.length() ? b.substring(1).endsWith(a.substring(1))
                    : a.substring(1).endsWith(b.substring(1));
        }
        if (aWild) {
            return b.endsWith(a.substring(1));
        }
        if (bWild) {
            return a.endsWith(b.substring(1));
        }
        return a.equals(b);
    }

    /** The namespaces {@code exportTo} makes a resource visible in: {@code *} for all (also when unset). */
    static Set<String> exportScopes(List<String> exportTo, String namespace) {
        if (exportTo == null || exportTo.isEmpty() || exportTo.contains("*")) {
            return Set.of("*");
        }
        Set<String> scopes = new java.util.LinkedHashSet<>();
        for (String e : exportTo) {
            scopes.add(e.equals(".") ? namespace : e);
        }
        return scopes;
    }
}
