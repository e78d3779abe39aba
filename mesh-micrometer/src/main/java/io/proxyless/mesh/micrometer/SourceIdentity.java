package io.proxyless.mesh.micrometer;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Who the client is, as the {@code source_*} labels of Istio's standard metrics name it. A sidecar reads this from
 * its pod (through the injected environment); {@link #fromEnvironment} reads the same variables, so an application
 * that replaces its sidecar keeps its labels. Values not known are {@code unknown}, as in Istio.
 *
 * <pre>{@code
 * SourceIdentity me = SourceIdentity.fromEnvironment(System::getenv, "default")
 *         .withWorkload("productpage-v1");
 * }</pre>
 *
 * @param workload          {@code source_workload}: {@code ISTIO_META_WORKLOAD_NAME}
 * @param namespace         {@code source_workload_namespace}: {@code POD_NAMESPACE}, else the mesh's namespace
 * @param principal         {@code source_principal}: {@code spiffe://TRUST_DOMAIN/ns/NS/sa/SERVICE_ACCOUNT}
 * @param app               {@code source_app}: the pod's {@code app} (or {@code app.kubernetes.io/name}) label
 * @param version           {@code source_version}: the pod's {@code version} (or {@code app.kubernetes.io/version})
 * @param canonicalService  {@code source_canonical_service}: {@code service.istio.io/canonical-name}, else the app
 *                          name, else the workload name
 * @param canonicalRevision {@code source_canonical_revision}: {@code service.istio.io/canonical-revision}, else the
 *                          version, else {@code latest} (Istio's default)
 * @param cluster           {@code source_cluster}: {@code ISTIO_META_CLUSTER_ID}
 */
public record SourceIdentity(String workload, String namespace, String principal, String app, String version,
                             String canonicalService, String canonicalRevision, String cluster) {
    /** Istio's value for a label it cannot fill. */
    public static final String UNKNOWN = "unknown";

    /** The pod's labels as the injector hands them to the sidecar: a JSON object. */
    static final String LABELS_ENV = "ISTIO_METAJSON_LABELS";

    public SourceIdentity {
        workload = orUnknown(workload);
        namespace = orUnknown(namespace);
        principal = orUnknown(principal);
        app = orUnknown(app);
        version = orUnknown(version);
        canonicalService = orUnknown(canonicalService);
        canonicalRevision = orUnknown(canonicalRevision);
        cluster = orUnknown(cluster);
    }

    /** Everything {@code unknown}. */
    public static SourceIdentity unknown() {
        return new SourceIdentity(null, null, null, null, null, null, null, null);
    }

    /**
     * The identity a sidecar in this pod would report, from the variables Istio's injector sets:
     * {@code POD_NAMESPACE}, {@code ISTIO_META_WORKLOAD_NAME}, {@code ISTIO_METAJSON_LABELS} (the pod's labels),
     * {@code ISTIO_META_CLUSTER_ID}, {@code SERVICE_ACCOUNT} and {@code TRUST_DOMAIN} (default
     * {@code cluster.local}).
     *
     * @param env              reads a variable ({@code System::getenv}); null when unset
     * @param defaultNamespace the namespace when {@code POD_NAMESPACE} is unset (the mesh's namespace), or null
     * @throws IllegalArgumentException when {@code ISTIO_METAJSON_LABELS} is not a JSON object of strings
     */
    public static SourceIdentity fromEnvironment(Function<String, String> env, String defaultNamespace) {
        Map<String, String> labels = podLabels(env.apply(LABELS_ENV));
        String namespace = firstKnown(env.apply("POD_NAMESPACE"), defaultNamespace);
        String workload = env.apply("ISTIO_META_WORKLOAD_NAME");
        String app = firstKnown(labels.get("app"), labels.get("app.kubernetes.io/name"));
        String version = firstKnown(labels.get("version"), labels.get("app.kubernetes.io/version"));
        String account = env.apply("SERVICE_ACCOUNT");
        String principal = isKnown(account) && isKnown(namespace)
                ? spiffe(firstKnown(env.apply("TRUST_DOMAIN"), "cluster.local"), namespace, account) : null;
        return new SourceIdentity(workload, namespace, principal, app, version,
                firstKnown(labels.get("service.istio.io/canonical-name"), app, workload),
                firstKnown(labels.get("service.istio.io/canonical-revision"), version, "latest"),
                env.apply("ISTIO_META_CLUSTER_ID"));
    }

    /** This identity with another workload name. */
    public SourceIdentity withWorkload(String workload) {
        return new SourceIdentity(workload, namespace, principal, app, version, canonicalService, canonicalRevision,
                cluster);
    }

    /** This identity with another app and version (and the canonical service/revision they imply, if unknown). */
    public SourceIdentity withApp(String app, String version) {
        return new SourceIdentity(workload, namespace, principal, app, version,
                isKnown(canonicalService) ? canonicalService : app,
                isKnown(canonicalRevision) && !canonicalRevision.equals("latest") ? canonicalRevision
                        : firstKnown(version, "latest"), cluster);
    }

    /** This identity with another cluster id. */
    public SourceIdentity withCluster(String cluster) {
        return new SourceIdentity(workload, namespace, principal, app, version, canonicalService, canonicalRevision,
                cluster);
    }

    /** This identity with another principal ({@code spiffe://...}). */
    public SourceIdentity withPrincipal(String principal) {
        return new SourceIdentity(workload, namespace, principal, app, version, canonicalService, canonicalRevision,
                cluster);
    }

    /** The labels that are {@code unknown}, by their Istio names, with the setting that would fill each. */
    public List<String> missing() {
        List<String> out = new ArrayList<>();
        add(out, workload, "source_workload (ISTIO_META_WORKLOAD_NAME)");
        add(out, namespace, "source_workload_namespace (POD_NAMESPACE)");
        add(out, principal, "source_principal (SERVICE_ACCOUNT)");
        add(out, app, "source_app (pod label app in ISTIO_METAJSON_LABELS)");
        add(out, version, "source_version (pod label version in ISTIO_METAJSON_LABELS)");
        add(out, cluster, "source_cluster (ISTIO_META_CLUSTER_ID)");
        return out;
    }

    private static void add(List<String> out, String value, String what) {
        if (!isKnown(value)) {
            out.add(what);
        }
    }

    static String spiffe(String trustDomain, String namespace, String serviceAccount) {
        return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
    }

    private static Map<String, String> podLabels(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            return new ObjectMapper().readValue(json, new TypeReference<Map<String, String>>() {
            });
        } catch (Exception e) {
            throw new IllegalArgumentException(LABELS_ENV + " is not a JSON object of pod labels: "
                    + e.getMessage(), e);
        }
    }

    static boolean isKnown(String value) {
        return value != null && !value.isBlank() && !value.equals(UNKNOWN);
    }

    static String orUnknown(String value) {
        return isKnown(value) ? value : UNKNOWN;
    }

    static String firstKnown(String... values) {
        for (String v : values) {
            if (isKnown(v)) {
                return v;
            }
        }
        return UNKNOWN;
    }
}
