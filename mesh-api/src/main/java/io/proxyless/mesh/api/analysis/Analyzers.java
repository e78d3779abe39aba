package io.proxyless.mesh.api.analysis;

import com.google.re2j.Pattern;
import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.FieldLocations;
import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.HTTPRouteDestination;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ServiceEntry;
import io.proxyless.mesh.api.SourceInfo;
import io.proxyless.mesh.api.Subset;
import io.proxyless.mesh.api.TrafficPolicy;
import io.proxyless.mesh.api.VirtualService;
import io.proxyless.mesh.api.WorkloadEntry;
import io.proxyless.mesh.api.kubernetes.KubernetesObjects;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
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
        return analyze(resources, valid, kubernetes, allocatedAddresses, null).findings();
    }

    /**
     * Like {@link #analyze(List, List, KubernetesObjects, Set)}, taking the findings of {@code previous} (an analysis
     * of the config before a change, or null) where they cannot differ: when the config differs from the one
     * {@code previous} looked at only in what no analysis reads (an inline endpoint's address, say: a one-service
     * endpoint move), every analysis but those that read the clock keeps its findings. The findings are the
     * same as a run from scratch, in the same order.
     */
    public static Analysis analyze(List<Resource<?>> resources, List<Resource<?>> valid,
                                   KubernetesObjects kubernetes, Set<String> allocatedAddresses, Analysis previous) {
        // The one reading of the wall clock: whether a Gateway's certificate has expired is a question about now.
        Instant now = Instant.now();
        Analysis input = new Analysis(List.copyOf(resources), List.copyOf(valid), kubernetes,
                Set.copyOf(allocatedAddresses), null, 0);
        boolean reuse = previous != null && input.sameForAnalysis(previous);
        AnalysisInput all = new AnalysisInput(input.resources, kubernetes, input.allocatedAddresses, now);
        AnalysisInput validOnly = new AnalysisInput(input.valid, kubernetes, input.allocatedAddresses, now);
        List<List<Problem>> byAnalyzer = new ArrayList<>(ALL.size());
        int reused = 0;
        for (int i = 0; i < ALL.size(); i++) {
            Analyzer analyzer = ALL.get(i);
            if (reuse && !analyzer.readsClock()) {
                byAnalyzer.add(previous.byAnalyzer.get(i));
                reused++;
                continue;
            }
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
            byAnalyzer.add(List.copyOf(found));
        }
        return new Analysis(input.resources, input.valid, kubernetes, input.allocatedAddresses,
                List.copyOf(byAnalyzer), reused);
    }

    /**
     * What one run of the analyses looked at and found, per analyzer: the next run over config that differs from
     * it only in what no analysis reads takes the findings from here
     * ({@link #analyze(List, List, KubernetesObjects, Set, Analysis)}).
     */
    public static final class Analysis {
        private final List<Resource<?>> resources;
        private final List<Resource<?>> valid;
        private final KubernetesObjects kubernetes;
        private final Set<String> allocatedAddresses;
        private final List<List<Problem>> byAnalyzer;
        private final int reused;

        private Analysis(List<Resource<?>> resources, List<Resource<?>> valid, KubernetesObjects kubernetes,
                         Set<String> allocatedAddresses, List<List<Problem>> byAnalyzer, int reused) {
            this.resources = resources;
            this.valid = valid;
            this.kubernetes = kubernetes;
            this.allocatedAddresses = allocatedAddresses;
            this.byAnalyzer = byAnalyzer;
            this.reused = reused;
        }

        /** How many analyzers' findings were taken from the analysis before, not found again. */
        public int reused() {
            return reused;
        }

        /** Every finding, analyzer by analyzer, in the order each reported them. */
        public List<Problem> findings() {
            List<Problem> out = new ArrayList<>();
            byAnalyzer.forEach(out::addAll);
            return out;
        }

        /** Whether every analysis reads the same from this config as from {@code other}'s. */
        private boolean sameForAnalysis(Analysis other) {
            return sameForAnalysis(resources, other.resources) && sameForAnalysis(valid, other.valid)
                    && kubernetes.equals(other.kubernetes) && allocatedAddresses.equals(other.allocatedAddresses);
        }

        private static boolean sameForAnalysis(List<Resource<?>> a, List<Resource<?>> b) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                // Resources of files that did not change are the very objects of the run before.
                if (a.get(i) != b.get(i) && !analysisView(a.get(i)).equals(analysisView(b.get(i)))) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * {@code resource} as far as the analyses read it: of a ServiceEntry's inline endpoints they read the labels
     * and ports (which workloads exist, which ports they serve), never the address, locality, weight, network or
     * service account; of a VirtualService's HTTP routes never the timeout, retries, fault, CORS policy, header
     * operations, rewrite or destination weights; of a DestinationRule's traffic policies only the TLS settings
     * (and the ports they are for), so those are left out. Everything else is read, its source lines included
     * (findings name them). Only compared: a one-route change (a timeout, a weight shift, a balancer) keeps
     * every analysis's findings.
     */
    static Resource<?> analysisView(Resource<?> resource) {
        if (resource.spec() instanceof VirtualService vs) {
            return new Resource<>(resource.kind(), resource.apiVersion(), resource.metadata(), new VirtualService(
                    vs.hosts(), vs.gateways(), vs.http().stream().map(Analyzers::analysisView).toList(), vs.tls(),
                    vs.tcp(), vs.exportTo()), analysisView(resource.source(), UNREAD_ROUTE_FIELDS));
        }
        if (resource.spec() instanceof DestinationRule dr) {
            List<Subset> subsets = new ArrayList<>(dr.subsets().size());
            for (Subset s : dr.subsets()) {
                subsets.add(s == null ? null : new Subset(s.name(), s.labels(), analysisView(s.trafficPolicy())));
            }
            return new Resource<>(resource.kind(), resource.apiVersion(), resource.metadata(), new DestinationRule(
                    dr.host(), analysisView(dr.trafficPolicy()), subsets, dr.exportTo(), dr.workloadSelector()),
                    analysisView(resource.source(), UNREAD_POLICY_FIELDS));
        }
        if (!(resource.spec() instanceof ServiceEntry se) || se.endpoints().isEmpty()) {
            return resource;
        }
        List<WorkloadEntry> endpoints = new ArrayList<>(se.endpoints().size());
        for (WorkloadEntry e : se.endpoints()) {
            endpoints.add(new WorkloadEntry(null, e.ports(), e.labels(), null, null, null, null));
        }
        return new Resource<>(resource.kind(), resource.apiVersion(), resource.metadata(),
                new ServiceEntry(se.hosts(), se.addresses(), se.ports(), se.location(), se.resolution(), endpoints,
                        se.workloadSelector(), se.exportTo(), se.subjectAltNames()), resource.source());
    }

    // The fields of VirtualServices and DestinationRules the analyses leave out (analysisView), as field paths.
    private static final Pattern UNREAD_ROUTE_FIELDS = Pattern.compile(
            "spec\\.http\\[\\d+]\\.(timeout|retries|fault|corsPolicy|headers|rewrite|route\\[\\d+]\\.(weight|headers))"
                    + "([.\\[].*)?");
    private static final Pattern UNREAD_POLICY_FIELDS = Pattern.compile(
            "spec\\.(subsets\\[\\d+]\\.)?trafficPolicy\\.(portLevelSettings\\[\\d+]\\.)?"
                    + "(loadBalancer|connectionPool|outlierDetection|tunnel|proxyProtocol|retryBudget)([.\\[].*)?");

    /**
     * Where a resource was written, without the fields the analyses leave out: findings name the lines of the
     * fields they read (or of their written ancestors, never one of those), so a timeout written on a line of its
     * own, or a balancer changed, leaves every finding's line as it was.
     */
    private static SourceInfo analysisView(SourceInfo source,
                                                                 Pattern unread) {
        if (source == null || source.locations() == null) {
            return source;
        }
        Map<String, Integer> read = new HashMap<>();
        source.locations().lines().forEach((path, line) -> {
            if (!unread.matcher(path).matches()) {
                read.put(path, line);
            }
        });
        return new SourceInfo(source.file(),
                new FieldLocations(source.locations().documentLine(), read));
    }

    /** An HTTP route as far as the analyses read it (matches, destinations, mirrors, name, delegate). */
    private static HTTPRoute analysisView(HTTPRoute route) {
        if (route == null) {
            return null;
        }
        List<HTTPRouteDestination> destinations = new ArrayList<>(route.route().size());
        for (HTTPRouteDestination d : route.route()) {
            destinations.add(d == null ? null : new HTTPRouteDestination(d.destination(), null, null));
        }
        return new HTTPRoute(route.name(), route.match(), destinations, route.redirect(), route.directResponse(),
                route.delegate(), null, null, null, null, route.mirror(), route.mirrors(), route.mirrorPercent(),
                route.mirrorPercentage(), null, null);
    }

    /** A traffic policy as far as the analyses read it: its TLS settings and those of its ports. */
    private static TrafficPolicy analysisView(TrafficPolicy policy) {
        if (policy == null) {
            return null;
        }
        List<TrafficPolicy.PortTrafficPolicy> ports = new ArrayList<>(policy.portLevelSettings().size());
        for (TrafficPolicy.PortTrafficPolicy p : policy.portLevelSettings()) {
            ports.add(p == null ? null : new TrafficPolicy.PortTrafficPolicy(p.port(), null, null, null, p.tls()));
        }
        return new TrafficPolicy(null, null, null, policy.tls(), ports, null, null, null);
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
        Set<String> scopes = new LinkedHashSet<>();
        for (String e : exportTo) {
            scopes.add(e.equals(".") ? namespace : e);
        }
        return scopes;
    }
}
