package io.proxyless.mesh.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.event.AttemptView;
import io.proxyless.mesh.runtime.event.CallView;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.event.MeshListeners;
import io.proxyless.mesh.runtime.event.ResponseFlag;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.routing.Mirror;
import io.proxyless.mesh.runtime.RouteDecision;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Istio's standard metrics ({@code reporter="source"}) and Envoy's cluster stats for every call through a mesh,
 * on any transport, in a Micrometer registry: what a sidecar's {@code /stats/prometheus} shows for the client side,
 * under the same names and labels, so Istio's dashboards, Kiali and alerts keep working without the sidecar.
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * MeshMetrics metrics = MeshMetrics.bindTo(mesh, registry);   // source identity from the pod's environment
 * // serve registry.scrape() at /stats/prometheus
 * }</pre>
 *
 * <ul>
 *   <li>{@code istio_requests_total}, {@code istio_request_duration_milliseconds}, {@code istio_request_bytes},
 *       {@code istio_response_bytes}: one sample per call as the application saw it (retries inside it are
 *       {@code envoy_cluster_upstream_rq_retry}, not requests; mirror copies are not requests);</li>
 *   <li>{@code istio_request_messages_total}, {@code istio_response_messages_total}: gRPC calls;</li>
 *   <li>{@code envoy_cluster_upstream_rq_retry}, {@code envoy_cluster_upstream_rq_pending_overflow},
 *       {@code envoy_cluster_upstream_rq_retry_overflow}, {@code envoy_cluster_outlier_detection_ejections_active}
 *       and the mesh's mirror counts, labelled {@code cluster_name}.</li>
 * </ul>
 * Label values come from config (clusters, endpoints' labels, response codes and flags), never from request paths or
 * hosts outside the registry, so the number of series is bounded by config. See {@code docs/telemetry.md}.
 */
public final class MeshMetrics implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MeshMetrics.class);

    static final String REQUESTS = "istio_requests_total";
    static final String DURATION = "istio_request_duration_milliseconds";
    static final String REQUEST_BYTES = "istio_request_bytes";
    static final String RESPONSE_BYTES = "istio_response_bytes";
    static final String REQUEST_MESSAGES = "istio_request_messages_total";
    static final String RESPONSE_MESSAGES = "istio_response_messages_total";

    /** Envoy's default histogram buckets, which Istio's standard metrics keep (milliseconds and bytes alike). */
    static final double[] BUCKETS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
        300000, 600000, 1800000, 3600000};

    /** Istio's label names, in the order Istio's docs list them. */
    static final List<String> LABELS = List.of("reporter", "source_workload", "source_workload_namespace",
            "source_principal", "source_app", "source_version", "source_canonical_service",
            "source_canonical_revision", "source_cluster", "destination_service", "destination_service_name",
            "destination_service_namespace", "destination_workload", "destination_workload_namespace",
            "destination_app", "destination_version", "destination_principal", "destination_canonical_service",
            "destination_canonical_revision", "destination_cluster", "request_protocol", "response_code",
            "grpc_response_status", "response_flags", "connection_security_policy");

    private final Mesh mesh;
    private final MeterRegistry registry;
    private final SourceIdentity source;
    private final Tags sourceTags;
    private final String trustDomain;
    private final Map<Upstream, Destination> destinations = new ConcurrentHashMap<>();
    private final Map<SeriesKey, Series> series = new ConcurrentHashMap<>();
    private final Map<String, ClusterStats> clusters = new ConcurrentHashMap<>();
    private final AtomicBoolean registrationFailed = new AtomicBoolean();
    private volatile CompiledMesh destinationsOf;
    private final MeshListeners.Registration registration;

    private MeshMetrics(Mesh mesh, MeterRegistry registry, SourceIdentity source) {
        this.mesh = mesh;
        this.registry = registry;
        this.source = source;
        this.trustDomain = mesh.tls().trustDomain();
        this.sourceTags = Tags.of(
                Tag.of("reporter", "source"),
                Tag.of("source_workload", source.workload()),
                Tag.of("source_workload_namespace", source.namespace()),
                Tag.of("source_principal", source.principal()),
                Tag.of("source_app", source.app()),
                Tag.of("source_version", source.version()),
                Tag.of("source_canonical_service", source.canonicalService()),
                Tag.of("source_canonical_revision", source.canonicalRevision()),
                Tag.of("source_cluster", source.cluster()),
                // A sidecar reports the connection's security only on the server side; the client's is "unknown".
                Tag.of("connection_security_policy", SourceIdentity.UNKNOWN));
        probe();
        this.registration = mesh.addListener(new Listener());
    }

    /**
     * Reports the calls of {@code mesh} into {@code registry}, with the source identity a sidecar in this pod would
     * report (see {@link SourceIdentity#fromEnvironment}); one warning names the identity labels left
     * {@code unknown}.
     *
     * @throws IllegalArgumentException when the registry refuses one of Istio's or Envoy's metric names
     */
    public static MeshMetrics bindTo(Mesh mesh, MeterRegistry registry) {
        return builder().bindTo(mesh, registry);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The {@code source_*} labels in use. */
    public SourceIdentity source() {
        return source;
    }

    /** Stops reporting (meters already registered stay in the registry, as Micrometer's meters do). */
    @Override
    public void close() {
        registration.close();
    }

    /**
     * Registers one meter of each name with Istio's (or Envoy's) labels and removes it again, so a registry that
     * refuses a name or renames it fails here, with the name, instead of losing metrics on the request path.
     */
    private void probe() {
        Tags istio = sourceTags.and(Tags.of(Tag.of("destination_service", "probe")));
        for (String l : LABELS) {
            if (!l.startsWith("source_") && !l.equals("reporter") && !l.equals("connection_security_policy")
                    && !l.equals("destination_service")) {
                istio = istio.and(l, SourceIdentity.UNKNOWN);
            }
        }
        Tags tags = istio;
        check(REQUESTS, () -> Counter.builder(REQUESTS).tags(tags).register(registry));
        check(DURATION, () -> summary(DURATION, tags));
        check(REQUEST_BYTES, () -> summary(REQUEST_BYTES, tags));
        check(RESPONSE_BYTES, () -> summary(RESPONSE_BYTES, tags));
        check(REQUEST_MESSAGES, () -> Counter.builder(REQUEST_MESSAGES).tags(tags).register(registry));
        check(RESPONSE_MESSAGES, () -> Counter.builder(RESPONSE_MESSAGES).tags(tags).register(registry));
        for (String name : List.of(ClusterStats.RETRY, ClusterStats.PENDING_OVERFLOW, ClusterStats.RETRY_OVERFLOW,
                ClusterStats.EJECTIONS_ACTIVE, ClusterStats.MIRROR_SENT, ClusterStats.MIRROR_DROPPED)) {
            check(name, () -> Gauge.builder(name, () -> 0).tag(ClusterStats.CLUSTER_NAME, "probe")
                    .register(registry));
        }
    }

    private void check(String name, java.util.function.Supplier<Meter> register) {
        Meter meter;
        try {
            meter = register.get();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the meter registry " + registry.getClass().getName()
                    + " refused the metric " + name + " (Istio's/Envoy's name, which dashboards and alerts query): "
                    + e.getMessage(), e);
        }
        registry.remove(meter);
        if (!meter.getId().getName().equals(name)) {
            throw new IllegalArgumentException("the meter registry " + registry.getClass().getName()
                    + " renamed the metric " + name + " to " + meter.getId().getName()
                    + " (a MeterFilter?): Istio's dashboards and alerts query the name " + name);
        }
    }

    private DistributionSummary summary(String name, Tags tags) {
        return DistributionSummary.builder(name).serviceLevelObjectives(BUCKETS).tags(tags).register(registry);
    }

    private Destination destination(RouteDecision decision, AttemptView last) {
        Cluster cluster = decision == null ? null : decision.cluster();
        if (cluster == null) {
            return Destination.unforwarded(decision);
        }
        if (cluster.passthrough()) {
            return Destination.PASSTHROUGH_CLUSTER; // the endpoint is the raw host asked for: never a label
        }
        CompiledMesh snapshot = mesh.snapshot();
        if (snapshot != destinationsOf) {
            // Endpoints of earlier snapshots are not looked up again; series already made keep their values.
            destinations.clear();
            destinationsOf = snapshot;
        }
        Endpoint endpoint = last == null ? null : last.endpoint();
        Upstream key = new Upstream(cluster.key(), endpoint);
        Destination d = destinations.get(key);
        if (d == null) {
            d = Destination.of(cluster, endpoint, snapshot, trustDomain);
            destinations.put(key, d);
        }
        return d;
    }

    private ClusterStats cluster(String key) {
        ClusterStats s = clusters.get(key);
        return s != null ? s : clusters.computeIfAbsent(key, k -> new ClusterStats(registry, k, mesh::health));
    }

    private void record(CallView call) {
        Destination d = destination(call.decision(), call.lastAttempt());
        boolean grpc = call.protocol().equals("grpc");
        SeriesKey key = new SeriesKey(d, call.protocol(), call.responseCode(), grpc ? call.grpcStatus() : -1,
                call.responseFlags());
        Series s = series.get(key);
        if (s == null) {
            s = series.computeIfAbsent(key, this::register);
        }
        s.requests.increment();
        long nanos = call.durationNanos();
        s.duration.record(nanos < 0 ? 0 : nanos / 1e6);
        s.requestBytes.record(Math.max(0, call.requestBytes()));
        s.responseBytes.record(Math.max(0, call.responseBytes()));
        if (grpc) {
            if (call.requestMessages() > 0) {
                s.requestMessages.increment(call.requestMessages());
            }
            if (call.responseMessages() > 0) {
                s.responseMessages.increment(call.responseMessages());
            }
        }
    }

    private Series register(SeriesKey k) {
        Destination d = k.destination();
        Tags tags = sourceTags.and(
                Tag.of("destination_service", d.service()),
                Tag.of("destination_service_name", d.serviceName()),
                Tag.of("destination_service_namespace", d.serviceNamespace()),
                Tag.of("destination_workload", d.workload()),
                Tag.of("destination_workload_namespace", d.workloadNamespace()),
                Tag.of("destination_app", d.app()),
                Tag.of("destination_version", d.version()),
                Tag.of("destination_principal", d.principal()),
                Tag.of("destination_canonical_service", d.canonicalService()),
                Tag.of("destination_canonical_revision", d.canonicalRevision()),
                Tag.of("destination_cluster", d.cluster()),
                Tag.of("request_protocol", k.protocol()),
                Tag.of("response_code", Integer.toString(k.code())),
                // Istio leaves it empty on plain HTTP (Prometheus treats an empty value as no label).
                Tag.of("grpc_response_status", k.grpcStatus() < 0 ? "" : Integer.toString(k.grpcStatus())),
                Tag.of("response_flags", ResponseFlag.format(k.flags())));
        boolean grpc = k.grpcStatus() >= 0 || k.protocol().equals("grpc");
        return new Series(Counter.builder(REQUESTS).tags(tags).register(registry),
                summary(DURATION, tags), summary(REQUEST_BYTES, tags), summary(RESPONSE_BYTES, tags),
                grpc ? Counter.builder(REQUEST_MESSAGES).tags(tags).register(registry) : null,
                grpc ? Counter.builder(RESPONSE_MESSAGES).tags(tags).register(registry) : null);
    }

    /** A label failure must not fail the call: the registry has been checked at bind time, so log once. */
    private void failed(String what, RuntimeException e) {
        if (registrationFailed.compareAndSet(false, true)) {
            log.warn("mesh metrics: {} failed; this and later failures are not reported again", what, e);
        }
    }

    /** Where a call went: the cluster and the endpoint that answered (null: none did). */
    private record Upstream(String cluster, Endpoint endpoint) {
    }

    /** One set of Istio labels beyond the source's. */
    private record SeriesKey(Destination destination, String protocol, int code, int grpcStatus, int flags) {
    }

    /** The meters of one label set. */
    private record Series(Counter requests, DistributionSummary duration, DistributionSummary requestBytes,
                          DistributionSummary responseBytes, Counter requestMessages, Counter responseMessages) {
    }

    /** The mesh events metrics are made of. */
    private final class Listener implements MeshListener {
        @Override
        public void routed(CallView call) {
            RouteDecision d = call.decision();
            if (d != null && d.cluster() != null) {
                try {
                    cluster(d.cluster().key());
                } catch (RuntimeException e) {
                    failed("registering the stats of cluster " + d.cluster().key(), e);
                }
            }
        }

        @Override
        public void retrying(CallView call, AttemptView failed, int retry, Duration backoff) {
            stats(failed.clusterKey(), s -> s.retries.incrementAndGet());
        }

        @Override
        public void overflow(CallView call, String clusterKey, ConnectionPool.Overflow overflow, boolean retry) {
            stats(clusterKey, s -> {
                s.overflow(overflow);
                return 0L;
            });
        }

        @Override
        public void mirrorSent(CallView call, Mirror mirror, Endpoint endpoint) {
            stats(mirrorCluster(mirror), s -> s.mirrorsSent.incrementAndGet());
        }

        @Override
        public void mirrorDropped(CallView call, Mirror mirror, String reason) {
            stats(mirrorCluster(mirror), s -> s.mirrorsDropped.incrementAndGet());
        }

        @Override
        public void callFinished(CallView call) {
            try {
                record(call);
            } catch (RuntimeException e) {
                failed("recording a request to " + call.clusterKey(), e);
            }
        }

        private String mirrorCluster(Mirror mirror) {
            return mirror.cluster() != null ? mirror.cluster().key()
                    : Cluster.key(mirror.port() == null ? 0 : mirror.port(), mirror.subset(), mirror.host());
        }

        private void stats(String clusterKey, Function<ClusterStats, Long> update) {
            if (clusterKey == null) {
                return;
            }
            try {
                update.apply(cluster(clusterKey));
            } catch (RuntimeException e) {
                failed("updating the stats of cluster " + clusterKey, e);
            }
        }
    }

    /** Configures {@link MeshMetrics}. */
    public static final class Builder {
        private SourceIdentity source;
        private Function<String, String> environment = System::getenv;

        private Builder() {
        }

        /** The {@code source_*} labels, instead of those read from the environment. */
        public Builder source(SourceIdentity source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /** Where the default source identity is read from (default {@code System::getenv}). */
        public Builder environment(Function<String, String> environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /**
         * Starts reporting the calls of {@code mesh} into {@code registry}.
         *
         * @throws IllegalArgumentException when the registry refuses one of the metric names, or the environment's
         *                                  pod labels are not JSON
         */
        public MeshMetrics bindTo(Mesh mesh, MeterRegistry registry) {
            Objects.requireNonNull(mesh, "mesh");
            Objects.requireNonNull(registry, "registry");
            SourceIdentity id = source != null ? source : SourceIdentity.fromEnvironment(environment, mesh.namespace());
            List<String> missing = id.missing();
            if (!missing.isEmpty()) {
                log.warn("mesh metrics: source identity incomplete, these labels are \"unknown\": {}; set them "
                        + "in the environment as a sidecar's pod has them, or with MeshMetrics.builder().source(..)",
                        String.join(", ", missing));
            }
            return new MeshMetrics(mesh, registry, id);
        }
    }
}
