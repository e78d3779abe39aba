package io.proxyless.mesh.cli;

import io.proxyless.mesh.api.loader.ConfigWriter;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.registry.MeshService;
import io.proxyless.mesh.runtime.registry.ServicePortSpec;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.security.AuthorizationDecision;
import io.proxyless.mesh.runtime.security.InboundPolicy;
import io.proxyless.mesh.runtime.security.InboundRequest;
import io.proxyless.mesh.runtime.security.MtlsMode;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mesh authz}: the inbound sibling of {@code mesh route}. Explains, offline, whether the server a URL names
 * would admit one request from a caller: the mTLS mode of the port (PeerAuthentication) and the AuthorizationPolicy
 * decision, with the policy and rule that decided.
 *
 * <p>The server is the service the URL's host names, resolved as {@code mesh route} resolves hosts (short names
 * in the caller's namespace, taken from its SPIFFE id); its workloads are the service's endpoints on the URL's
 * port (ServiceEntry or WorkloadEntry endpoints, Kubernetes Pods), each with its namespace, labels and the port it
 * listens on — the port PeerAuthentication {@code portLevelMtls} and AuthorizationPolicy {@code ports} name.
 * When endpoints of the service decide differently, the denying one is reported (and all are listed on stderr).
 */
@Command(
        name = "authz",
        description = {
            "Explains whether the server behind a URL admits one request from a caller: the mTLS mode of its port "
                    + "(PeerAuthentication) and the AuthorizationPolicy decision, the policy and rule that decided.",
            "Prints one JSON object: {\"decision\": \"allow\"|\"deny\", \"policy\": \"ns/name\"|null, "
                    + "\"rule\": index|null, \"action\": \"ALLOW\"|\"DENY\"|null, "
                    + "\"mtls\": \"STRICT\"|\"PERMISSIVE\"|\"DISABLE\"}; the reason goes to stderr."
        },
        exitCodeList = {
            "0:the request is allowed",
            "1:the config has errors (listed on stderr)",
            "2:usage error, or a host that is no service of the config (name it with --server-labels)",
            "3:the request is denied",
        },
        footerHeading = "%nExample:%n",
        footer = {
            "  mesh authz --config examples/config \\",
            "      --principal spiffe://cluster.local/ns/default/sa/sleep \\",
            "      POST http://reviews:9080/reviews/1"
        })
final class AuthzCommand implements Callable<Integer> {
    static final int DENIED = 3;
    private static final String SPIFFE = "spiffe://";

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "PATH", required = true,
            description = "Istio YAML/JSON file or directory (repeatable).")
    List<Path> configs = new ArrayList<>();

    @Option(names = "--principal", paramLabel = "SPIFFE_ID",
            description = "The caller's verified identity, e.g. spiffe://cluster.local/ns/default/sa/sleep; "
                    + "without it the caller is plain text.")
    String principal;

    @Option(names = "--source-ip", paramLabel = "IP", description = "The caller's address (for ipBlocks).")
    String sourceIp;

    @Option(names = "--sni", paramLabel = "NAME", description = "The TLS server name the caller sent.")
    String sni;

    @Option(names = {"-H", "--header"}, paramLabel = "'Name: value'", description = "Request header (repeatable).")
    List<String> headers = new ArrayList<>();

    @Option(names = "--server-namespace", paramLabel = "NS",
            description = "The server's namespace, instead of the service's (with --server-labels).")
    String serverNamespace;

    @Option(names = "--server-labels", paramLabel = "k=v", split = ",",
            description = "The server's workload labels, instead of the service's endpoints', e.g. app=reviews.")
    Map<String, String> serverLabels;

    @Parameters(index = "0", paramLabel = "METHOD", description = "HTTP method, e.g. GET (gRPC: POST).")
    String method;

    @Parameters(index = "1", paramLabel = "URL", description = "The URL the caller calls, e.g. http://reviews:9080/.")
    String url;

    /** One server workload: where its policy is looked up and the port it listens on. */
    private record Workload(String namespace, Map<String, String> labels, int port) {
        @Override
        public String toString() {
            return namespace + " " + new java.util.TreeMap<>(labels) + " port " + port;
        }
    }

    private record Outcome(Workload workload, AuthorizationDecision decision, MtlsMode mtls) {
    }

    @Override
    public Integer call() {
        URI uri = parseUrl();
        if (principal != null && !principal.startsWith(SPIFFE)) {
            throw new ParameterException(spec.commandLine(), "--principal must be a SPIFFE id such as "
                    + "spiffe://cluster.local/ns/default/sa/sleep, not " + principal);
        }
        Map<String, List<String>> headerMap = parseHeaders();
        for (Path p : configs) {
            if (!Files.exists(p)) {
                throw new ParameterException(spec.commandLine(), "no such file or directory: " + p);
            }
        }
        int port = uri.getPort() > 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        String callerNamespace = callerNamespace();
        try (Mesh mesh = Mesh.builder().namespace(callerNamespace).watch(false).configPaths(configs).build()) {
            CompiledMesh snapshot = mesh.snapshot();
            PrintWriter err = spec.commandLine().getErr();
            List<Outcome> outcomes = new ArrayList<>();
            for (Workload w : workloads(snapshot, uri.getHost(), port, callerNamespace)) {
                InboundPolicy policy = InboundPolicy.compile(mesh.config(), w.namespace(), w.labels());
                outcomes.add(decide(policy, w, uri, headerMap));
            }
            Outcome reported = outcomes.stream().filter(o -> !o.decision().allowed()).findFirst()
                    .orElse(outcomes.get(0));
            if (outcomes.stream().map(o -> o.decision().allowed()).distinct().count() > 1) {
                err.println("the service's workloads decide differently; the denying one is reported:");
                outcomes.forEach(o -> err.println("  " + o.workload() + ": "
                        + (o.decision().allowed() ? "allow" : "deny") + " (" + o.decision().reason() + ")"));
            }
            err.println("server " + reported.workload() + ", mTLS " + reported.mtls() + ": "
                    + reported.decision().reason());
            PrintWriter out = spec.commandLine().getOut();
            out.println(json(reported));
            out.flush();
            err.flush();
            return reported.decision().allowed() ? MeshCommand.OK : DENIED;
        }
    }

    private Outcome decide(InboundPolicy policy, Workload w, URI uri, Map<String, List<String>> headerMap) {
        MtlsMode mtls = policy.mtlsMode(w.port());
        if (mtls == MtlsMode.STRICT && principal == null) {
            return new Outcome(w, new AuthorizationDecision(false, null, null, null, "plain text is refused on a "
                    + "STRICT port before any AuthorizationPolicy is evaluated"), mtls);
        }
        // A DISABLE port does not terminate TLS, so the server learns no identity.
        String identity = mtls == MtlsMode.DISABLE ? null : principal;
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path = path + "?" + uri.getRawQuery();
        }
        InboundRequest request = InboundRequest.builder().port(w.port()).principal(identity).sourceIp(sourceIp)
                .method(method).path(path).host(uri.getRawAuthority()).headers(headerMap).sni(sni).build();
        return new Outcome(w, policy.authorize(request), mtls);
    }

    /** The server's workloads: given on the command line, else the endpoints of the service the host names. */
    private List<Workload> workloads(CompiledMesh snapshot, String host, int port, String callerNamespace) {
        if (serverLabels != null || serverNamespace != null) {
            return List.of(new Workload(serverNamespace != null ? serverNamespace : callerNamespace,
                    serverLabels == null ? Map.of() : serverLabels, port));
        }
        String fqdn = snapshot.qualify(host);
        MeshService service = snapshot.registry().lookup(fqdn).orElseThrow(() -> new ParameterException(
                spec.commandLine(), "host " + host + " (" + fqdn + ") is not a service of the config (no "
                + "ServiceEntry or Kubernetes Service): name the server with --server-namespace and --server-labels"));
        ServicePortSpec servicePort = service.port(port).orElseThrow(() -> new ParameterException(
                spec.commandLine(), "port " + port + " is not a port of service " + fqdn + " (its ports: "
                + service.ports().stream().map(ServicePortSpec::number).toList() + ")"));
        Set<Workload> out = new LinkedHashSet<>();
        for (Endpoint e : service.endpoints(port)) {
            out.add(new Workload(service.namespace(), e.labels(), e.port()));
        }
        if (out.isEmpty()) {
            // No endpoint to take labels from: only namespace-wide and mesh-wide policies can be told apart.
            out.add(new Workload(service.namespace(), Map.of(), servicePort.endpointPort()));
        }
        return List.copyOf(out);
    }

    /** Short names resolve in the caller's namespace: the {@code /ns/NS/} of its SPIFFE id, else default. */
    private String callerNamespace() {
        if (principal != null) {
            int ns = principal.indexOf("/ns/");
            int end = ns < 0 ? -1 : principal.indexOf('/', ns + 4);
            if (end > ns + 4) {
                return principal.substring(ns + 4, end);
            }
        }
        return serverNamespace != null ? serverNamespace : "default";
    }

    private URI parseUrl() {
        try {
            URI uri = new URI(url);
            if (uri.getHost() == null) {
                throw new URISyntaxException(url, "no host");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ParameterException(spec.commandLine(), "invalid URL " + url + ": " + e.getMessage());
        }
    }

    private Map<String, List<String>> parseHeaders() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String h : headers) {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                throw new ParameterException(spec.commandLine(), "invalid header '" + h + "': use 'Name: value'");
            }
            out.computeIfAbsent(h.substring(0, colon).trim(), k -> new ArrayList<>())
                    .add(h.substring(colon + 1).trim());
        }
        return out;
    }

    /** The one-line JSON object of the decision, keys in this order. */
    static String json(Outcome o) {
        AuthorizationDecision d = o.decision();
        return "{\"decision\": " + scalar(d.allowed() ? "allow" : "deny") + ", \"policy\": " + scalar(d.policy())
                + ", \"rule\": " + (d.rule() == null ? "null" : d.rule().toString()) + ", \"action\": "
                + scalar(d.action()) + ", \"mtls\": " + scalar(o.mtls().name()) + "}";
    }

    private static String scalar(String s) {
        return s == null ? "null" : ConfigWriter.treeToJson(s).strip();
    }
}
