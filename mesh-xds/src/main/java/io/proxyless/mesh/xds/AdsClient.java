package io.proxyless.mesh.xds;

import com.google.common.collect.ImmutableSortedMap;
import com.google.common.collect.Maps;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ADS protocol on one gRPC stream: subscriptions per resource type, ACK/NACK, resource-does-not-exist timers
 * and reconnection, in state-of-the-world or delta form. It keeps, per resource, the last good parsed value, its
 * version and status; it knows nothing about what the resources mean.
 *
 * <p>Threading: every method and every state change runs on one executor thread (gRPC callbacks and timers hop
 * onto it), so the state needs no locks; {@link #resources()} gives other threads an immutable copy. Timers and
 * update times are the {@link MeshClock}'s.
 *
 * <p>Every change a response makes is in the views ({@link #resources()}) and told to {@code onChange} before its
 * ACK or NACK is sent: once the server has seen the answer, the config dump already agrees with it.
 *
 * <p>Protocol choices, after grpc-java (gRFC A46/A53) and the xDS spec:
 * <ul>
 *   <li>A response with some invalid resources is NACKed (version of the last ACK, the response's nonce, and an
 *       {@code error_detail} listing every invalid resource); its valid resources are still taken, and an invalid
 *       one keeps its last good version.</li>
 *   <li>A subscribed name with no answer within the does-not-exist timeout (15 s, as gRPC) becomes
 *       {@link Status#DOES_NOT_EXIST}. Timers run only while a stream is up.</li>
 *   <li>In state of the world, an LDS/CDS response without a subscribed resource deletes it (unless the server
 *       has {@code ignore_resource_deletion}).</li>
 *   <li>A resource sent again in the very bytes of its value in force (a state-of-the-world response lists every
 *       cluster again when one changed) is taken with its new version, neither decoded nor parsed again.</li>
 *   <li>A failed stream is retried after an exponential backoff with jitter (grpc-java's 1 s × 1.6ⁿ, ±20 %,
 *       capped); the backoff restarts once a stream has received a response. Values are kept meanwhile.</li>
 * </ul>
 */
final class AdsClient {
    private static final Logger log = LoggerFactory.getLogger(AdsClient.class);
    private static final String RESOURCE_WRAPPER = "type.googleapis.com/envoy.service.discovery.v3.Resource";
    private static final MethodDescriptor<DeltaDiscoveryRequest, byte[]> DELTA_METHOD =
            ResponseBytes.method(AggregatedDiscoveryServiceGrpc.getDeltaAggregatedResourcesMethod());
    private static final MethodDescriptor<DiscoveryRequest, byte[]> SOTW_METHOD =
            ResponseBytes.method(AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod());

    /** Where a resource stands, as the config dump shows it. */
    enum ResourceStatus {
        /** Subscribed, nothing received yet. */
        REQUESTED,
        /** The value in use was accepted. */
        ACKED,
        /** The last update was rejected; {@code value} (if any) is the last good one. */
        NACKED,
        /** The server says it does not exist, or said nothing before the timeout. */
        DOES_NOT_EXIST
    }

    /** An immutable view of one resource. */
    record ResourceInfo(XdsResourceType type, String name, ResourceStatus status, String version, Object value,
                        Message raw, List<Findings.Finding> warnings, String error, String rejectedVersion,
                        Instant updated) {
    }

    /** Tunables; tests shorten them. */
    record Options(boolean delta, boolean ignoreResourceDeletion, Duration doesNotExistTimeout,
                   Duration initialBackoff, Duration maxBackoff) {
    }

    /** Parses one resource of a response. */
    @FunctionalInterface
    interface Parser {
        /**
         * @param message the resource, decoded
         * @param bytes   the bytes it was decoded from: a parser may tell by them what differs from the version
         *                before without comparing decoded messages
         */
        Parsed<?> parse(XdsResourceType type, Message message, ByteString bytes);
    }

    /**
     * Decodes one resource of a response from its {@code Any}: a decoder may keep what it decoded before and decode
     * again only the parts whose bytes differ.
     */
    @FunctionalInterface
    interface Decoder {
        /** Protobuf's own decoding of the whole message, as the resource type's {@code Any} names it. */
        Decoder UNPACK = XdsResourceType::unpack;

        Message decode(XdsResourceType type, Any payload) throws InvalidProtocolBufferException;
    }

    private static final class ResourceState {
        final String name;
        ResourceStatus status = ResourceStatus.REQUESTED;
        String version;
        Object value;
        Message raw;
        // The bytes the value in force came in (while ACKED): the same bytes again are the same resource.
        ByteString bytes;
        List<Findings.Finding> warnings = List.of();
        String error;
        String rejectedVersion;
        Instant updated;
        // The does-not-exist timer it waits on while REQUESTED on a stream, shared with the names asked with it.
        Wait wait;

        ResourceState(String name) {
            this.name = name;
        }
    }

    /**
     * One does-not-exist timer for the names of one type a subscription asked for at once: 10,000 endpoint
     * assignments asked together are one timer, not 10,000 scheduled and cancelled one by one. A name answered (or
     * no longer waited for) leaves it, and the timer is cancelled when none is left.
     */
    private static final class Wait {
        final List<ResourceState> names;
        int waiting;
        MeshClock.Timer timer;

        Wait(List<ResourceState> names) {
            this.names = names;
            this.waiting = names.size();
        }
    }

    private static final class TypeState {
        final XdsResourceType type;
        boolean wildcard;
        final Set<String> names = new LinkedHashSet<>();
        final SortedMap<String, ResourceState> resources = new TreeMap<>();
        // The good values by name as last handed out (values()), or null once one of them changed: a response that
        // changes one endpoint assignment leaves the other types' maps as they are, the very same objects.
        ImmutableSortedMap<String, Object> values;
        String version = "";
        String nonce = "";
        boolean receivedOnStream;
        boolean everReceived;
        final Set<String> sentOnStream = new HashSet<>();
        boolean requestedOnStream;
        String lastNack;
        // How many resources are REQUESTED (no answer yet): asked after every response, which must not walk
        // 10,000 clusters to find none.
        int requested;

        TypeState(XdsResourceType type) {
            this.type = type;
        }

        /** A resource not held before, REQUESTED. */
        ResourceState add(String name) {
            ResourceState rs = new ResourceState(name);
            resources.put(name, rs);
            requested++;
            return rs;
        }

        ResourceState remove(String name) {
            ResourceState rs = resources.remove(name);
            if (rs != null && rs.status == ResourceStatus.REQUESTED) {
                requested--;
            }
            return rs;
        }

        void status(ResourceState rs, ResourceStatus status) {
            if (rs.status == ResourceStatus.REQUESTED) {
                requested--;
            }
            if (status == ResourceStatus.REQUESTED) {
                requested++;
            }
            rs.status = status;
        }

        boolean subscribed() {
            return wildcard || !names.isEmpty();
        }
    }

    private final ManagedChannel channel;
    private final Node node;
    private final Options options;
    private final Executor executor;
    private final MeshClock clock;
    private final DoubleSupplier jitter;
    private final Decoder decoder;
    private final Parser parser;
    private final Runnable onChange;
    private final Map<XdsResourceType, TypeState> types = new EnumMap<>(XdsResourceType.class);

    private StreamObserver<DiscoveryRequest> sotw;
    private StreamObserver<DeltaDiscoveryRequest> delta;
    private int generation;
    private boolean nodeSent;
    private boolean closed;
    private boolean connected;
    // A stream counts as connected for views once the server answered on it: an opened stream to a server that
    // is down only fails later.
    private boolean answered;
    private String lastStreamError;
    private long backoffNanos;
    private volatile List<ResourceInfo> published = List.of();
    private volatile boolean connectedView;
    private volatile String lastErrorView;

    /**
     * @param clock    runs the does-not-exist timers and the reconnect backoff, and dates updates
     * @param jitter   a value in [0, 1) per backoff, spreading reconnects over ±20 %
     * @param parser   parses one resource; runs on the executor
     * @param onChange told (on the executor) after every response, timer or stream event that changed something
     */
    AdsClient(ManagedChannel channel, Node node, Options options, Executor executor, MeshClock clock,
              DoubleSupplier jitter, Parser parser, Runnable onChange) {
        this(channel, node, options, executor, clock, jitter, Decoder.UNPACK, parser, onChange);
    }

    /**
     * Like {@link #AdsClient(ManagedChannel, Node, Options, Executor, MeshClock, DoubleSupplier, Parser, Runnable)},
     * with each resource decoded by {@code decoder} (on the executor).
     */
    AdsClient(ManagedChannel channel, Node node, Options options, Executor executor, MeshClock clock,
              DoubleSupplier jitter, Decoder decoder, Parser parser, Runnable onChange) {
        this.decoder = decoder;
        this.channel = channel;
        this.node = node;
        this.options = options;
        this.executor = executor;
        this.clock = clock;
        this.jitter = jitter;
        this.parser = parser;
        this.onChange = onChange;
        for (XdsResourceType t : XdsResourceType.values()) {
            types.put(t, new TypeState(t));
        }
    }

    // ---- API (executor thread) ----

    /** Opens the stream. */
    void start() {
        startStream();
    }

    /**
     * Sets what to subscribe for {@code type}: every resource ({@code wildcard}) or the given names. Sends a
     * request when that changes the subscription.
     */
    void subscribe(XdsResourceType type, boolean wildcard, Set<String> names) {
        TypeState ts = types.get(type);
        Set<String> wanted = wildcard ? Set.of() : new LinkedHashSet<>(names);
        if (ts.wildcard == wildcard && ts.names.equals(wanted)) {
            return;
        }
        ts.wildcard = wildcard;
        Set<String> removed = new HashSet<>(ts.names);
        removed.removeAll(wanted);
        ts.names.clear();
        ts.names.addAll(wanted);
        for (String name : removed) {
            ResourceState rs = ts.remove(name);
            if (rs != null) {
                cancelTimer(rs);
                ts.values = null;
            }
        }
        if (!wildcard) {
            for (String name : wanted) {
                if (!ts.resources.containsKey(name)) {
                    ts.add(name);
                }
            }
        }
        if (connected || sotw != null || delta != null) {
            sendSubscription(ts);
        }
        publish();
    }

    /** Whether {@code type} has had a response (any stream). */
    boolean everReceived(XdsResourceType type) {
        return types.get(type).everReceived;
    }

    /** Whether {@code type} has had a response on the current stream. */
    boolean receivedOnStream(XdsResourceType type) {
        return types.get(type).receivedOnStream;
    }

    /** Whether a name of {@code type} is still waiting for its first answer. */
    boolean anyPending(XdsResourceType type) {
        return types.get(type).requested > 0;
    }

    /** Names of {@code type} still waiting for their first answer. */
    List<String> pending(XdsResourceType type) {
        List<String> out = new ArrayList<>();
        for (ResourceState rs : types.get(type).resources.values()) {
            if (rs.status == ResourceStatus.REQUESTED) {
                out.add(rs.name);
            }
        }
        return out;
    }

    /**
     * The good values of {@code type} in use, by name (sorted, immutable): the same map object again until one of
     * them changes, so callers can tell by identity that nothing of this type did.
     */
    @SuppressWarnings("unchecked")
    <T> Map<String, T> values(XdsResourceType type, Class<T> valueType) {
        TypeState ts = types.get(type);
        if (ts.values == null) {
            // Copied from the resources' own sorted map, in its order: building it compares no names.
            ts.values = ImmutableSortedMap.copyOfSorted(Maps.transformValues(
                    Maps.filterValues(ts.resources, rs -> rs.value != null), rs -> (Object) valueType.cast(rs.value)));
        }
        return (Map<String, T>) ts.values; // a resource type's values are all of one type, checked when built
    }

    void close() {
        closed = true;
        for (TypeState ts : types.values()) {
            ts.resources.values().forEach(AdsClient::cancelTimer);
        }
        generation++;
        try {
            if (sotw != null) {
                sotw.onCompleted();
            }
            if (delta != null) {
                delta.onCompleted();
            }
        } catch (RuntimeException e) {
            log.debug("closing the ADS stream failed", e);
        }
        sotw = null;
        delta = null;
    }

    // ---- Views (any thread) ----

    List<ResourceInfo> resources() {
        return published;
    }

    boolean connected() {
        return connectedView;
    }

    String lastStreamError() {
        return lastErrorView;
    }

    // ---- Stream ----

    private void startStream() {
        if (closed) {
            return;
        }
        int gen = ++generation;
        nodeSent = false;
        for (TypeState ts : types.values()) {
            ts.nonce = "";
            ts.receivedOnStream = false;
            ts.sentOnStream.clear();
            ts.requestedOnStream = false;
        }
        if (options.delta()) {
            delta = ClientCalls.asyncBidiStreamingCall(channel.newCall(DELTA_METHOD, CallOptions.DEFAULT),
                    responses(gen, DeltaDiscoveryResponse.parser(), DeltaDiscoveryResponse.RESOURCES_FIELD_NUMBER,
                            this::onDeltaResponse));
        } else {
            sotw = ClientCalls.asyncBidiStreamingCall(channel.newCall(SOTW_METHOD, CallOptions.DEFAULT),
                    responses(gen, DiscoveryResponse.parser(), DiscoveryResponse.RESOURCES_FIELD_NUMBER,
                            this::onSotwResponse));
        }
        connected = true;
        answered = false;
        for (TypeState ts : types.values()) {
            if (ts.subscribed()) {
                sendSubscription(ts);
            }
        }
        publish();
    }

    /**
     * An observer of stream {@code gen}'s responses: each event is handled on the client's executor, and a
     * response that arrives after the stream was replaced is dropped (its nonce belongs to the old stream). A
     * response comes as its bytes and is decoded there ({@link ResponseBytes}); bytes that are no response fail the
     * stream, as gRPC's own decoding would have.
     */
    private <T extends Message> StreamObserver<byte[]> responses(int gen, com.google.protobuf.Parser<T> parser,
                                                                 int resourcesField,
                                                                 Consumer<T> handler) {
        return new StreamObserver<>() {
            @Override
            public void onNext(byte[] bytes) {
                post(() -> {
                    if (gen != generation) {
                        return;
                    }
                    T response;
                    try {
                        response = ResponseBytes.decode(bytes, parser, resourcesField);
                    } catch (InvalidProtocolBufferException e) {
                        undecodable(gen, e);
                        return;
                    }
                    handler.accept(response);
                });
            }

            @Override
            public void onError(Throwable t) {
                post(() -> streamClosed(gen, Status.fromThrowable(t)));
            }

            @Override
            public void onCompleted() {
                post(() -> streamClosed(gen, Status.UNAVAILABLE.withDescription("closed by server")));
            }
        };
    }

    /** Runs {@code task} on the executor; after close, when the executor is gone, late gRPC callbacks are dropped. */
    private void post(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("xDS client closed; dropping a late stream event");
        }
    }

    /** Stream {@code gen} sent bytes that are no response: it is ended and retried like a failed stream. */
    private void undecodable(int gen, InvalidProtocolBufferException e) {
        StreamObserver<?> stream = delta != null ? delta : sotw;
        streamClosed(gen, Status.INTERNAL.withDescription("undecodable xDS response: " + e.getMessage()));
        if (stream instanceof ClientCallStreamObserver<?> call) {
            call.cancel("undecodable xDS response", e);
        }
    }

    private void streamClosed(int gen, Status status) {
        if (gen != generation || closed) {
            return;
        }
        generation++;
        sotw = null;
        delta = null;
        connected = false;
        answered = false;
        boolean healthy = false;
        for (TypeState ts : types.values()) {
            healthy |= ts.receivedOnStream;
            ts.resources.values().forEach(AdsClient::cancelTimer);
        }
        if (healthy) {
            backoffNanos = 0;
        }
        long base = backoffNanos == 0 ? options.initialBackoff().toNanos()
                : Math.min((long) (backoffNanos * 1.6), options.maxBackoff().toNanos());
        backoffNanos = base;
        long delay = (long) (base * (0.8 + 0.4 * jitter.getAsDouble()));
        lastStreamError = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
        log.warn("xDS stream to the control plane failed ({}); keeping the last good config, retrying in {} ms",
                lastStreamError, TimeUnit.NANOSECONDS.toMillis(delay));
        clock.schedule(() -> post(() -> {
            // The channel has its own (long) reconnect backoff; ours decides when to try.
            channel.resetConnectBackoff();
            startStream();
        }), delay, TimeUnit.NANOSECONDS);
        publish();
        onChange.run();
    }

    private void sendSubscription(TypeState ts) {
        if (!connected) {
            return;
        }
        if (options.delta()) {
            sendDeltaSubscription(ts);
        } else if (ts.subscribed()) {
            // An empty name list means "everything" in state of the world, so a type whose last name went away
            // is not re-requested; its leftovers are simply ignored.
            sendSotw(ts, null);
        }
        startTimers(ts);
    }

    private void sendSotw(TypeState ts, String errorDetail) {
        DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder().setTypeUrl(ts.type.typeUrl())
                .setVersionInfo(ts.version).setResponseNonce(ts.nonce);
        if (!ts.wildcard) {
            b.addAllResourceNames(ts.names);
        }
        if (!nodeSent) {
            b.setNode(node);
            nodeSent = true;
        }
        if (errorDetail != null) {
            b.setErrorDetail(com.google.rpc.Status.newBuilder().setCode(Status.Code.INVALID_ARGUMENT.value())
                    .setMessage(errorDetail));
        }
        ts.requestedOnStream = true;
        sotw.onNext(b.build());
    }

    private void sendDeltaSubscription(TypeState ts) {
        DeltaDiscoveryRequest.Builder b = DeltaDiscoveryRequest.newBuilder().setTypeUrl(ts.type.typeUrl());
        if (!ts.requestedOnStream) {
            if (!ts.subscribed()) {
                return;
            }
            // First request of this type on the stream: the whole subscription, and what we already hold, so
            // the server sends only what changed while we were away.
            if (!ts.wildcard) {
                b.addAllResourceNamesSubscribe(ts.names);
            }
            for (ResourceState rs : ts.resources.values()) {
                if (rs.value != null && rs.version != null) {
                    b.putInitialResourceVersions(rs.name, rs.version);
                }
            }
            ts.sentOnStream.addAll(ts.names);
        } else {
            Set<String> add = new LinkedHashSet<>(ts.names);
            add.removeAll(ts.sentOnStream);
            Set<String> remove = new LinkedHashSet<>(ts.sentOnStream);
            remove.removeAll(ts.names);
            if (add.isEmpty() && remove.isEmpty()) {
                return;
            }
            b.addAllResourceNamesSubscribe(add).addAllResourceNamesUnsubscribe(remove);
            ts.sentOnStream.addAll(add);
            ts.sentOnStream.removeAll(remove);
        }
        if (!nodeSent) {
            b.setNode(node);
            nodeSent = true;
        }
        ts.requestedOnStream = true;
        delta.onNext(b.build());
    }

    private void startTimers(TypeState ts) {
        if (ts.wildcard) {
            return;
        }
        List<ResourceState> asked = new ArrayList<>();
        for (ResourceState rs : ts.resources.values()) {
            if (rs.status == ResourceStatus.REQUESTED && rs.wait == null) {
                asked.add(rs);
            }
        }
        if (asked.isEmpty()) {
            return;
        }
        Wait wait = new Wait(asked);
        asked.forEach(rs -> rs.wait = wait);
        int gen = generation;
        wait.timer = clock.schedule(() -> post(() -> {
            boolean changed = false;
            for (ResourceState rs : wait.names) {
                if (rs.wait != wait) {
                    continue; // answered, or no longer waited for
                }
                rs.wait = null;
                if (gen == generation && rs.status == ResourceStatus.REQUESTED && ts.resources.get(rs.name) == rs) {
                    ts.status(rs, ResourceStatus.DOES_NOT_EXIST);
                    rs.updated = now();
                    log.warn("xDS {} {} does not exist (no answer within {} ms)", ts.type.shortName(), rs.name,
                            options.doesNotExistTimeout().toMillis());
                    changed = true;
                }
            }
            if (changed) {
                publish();
                onChange.run();
            }
        }), options.doesNotExistTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** {@code rs} waits no longer: it leaves its timer, which is cancelled once no name waits on it. */
    private static void cancelTimer(ResourceState rs) {
        Wait wait = rs.wait;
        if (wait == null) {
            return;
        }
        rs.wait = null;
        if (--wait.waiting == 0 && wait.timer != null) {
            wait.timer.cancel();
        }
    }

    // ---- Responses ----

    private void onSotwResponse(DiscoveryResponse response) {
        XdsResourceType type = XdsResourceType.byTypeUrl(response.getTypeUrl());
        if (type == null) {
            log.debug("ignoring xDS response of type {}", response.getTypeUrl());
            return;
        }
        TypeState ts = types.get(type);
        ts.nonce = response.getNonce();
        ts.receivedOnStream = true;
        answered = true;
        ts.everReceived = true;
        List<String> errors = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Any any : response.getResourcesList()) {
            String name = take(ts, any, null, response.getVersionInfo(), errors);
            if (name != null) {
                seen.add(name);
            }
        }
        if (type.fullState() && !options.ignoreResourceDeletion()) {
            for (ResourceState rs : List.copyOf(ts.resources.values())) {
                if (!seen.contains(rs.name)) {
                    absent(ts, rs);
                }
            }
        }
        String detail = null;
        if (errors.isEmpty()) {
            ts.version = response.getVersionInfo();
        } else {
            detail = errors.size() + " invalid " + type.shortName() + " resource(s) in version "
                    + response.getVersionInfo() + ": " + String.join("; ", errors);
            logNack(ts, detail);
        }
        // State first, answer second: a server (or a test) that sees the ACK/NACK must find the dump agreeing.
        publish();
        onChange.run();
        if (sotw != null) {
            sendSotw(ts, detail);
        }
    }

    private void onDeltaResponse(DeltaDiscoveryResponse response) {
        XdsResourceType type = XdsResourceType.byTypeUrl(response.getTypeUrl());
        if (type == null) {
            log.debug("ignoring xDS response of type {}", response.getTypeUrl());
            return;
        }
        TypeState ts = types.get(type);
        ts.nonce = response.getNonce();
        ts.receivedOnStream = true;
        answered = true;
        ts.everReceived = true;
        List<String> errors = new ArrayList<>();
        for (Resource r : response.getResourcesList()) {
            if (!r.hasResource()) {
                continue;
            }
            take(ts, r.getResource(), r.getName(), r.getVersion(), errors);
        }
        if (!options.ignoreResourceDeletion()) {
            for (String name : response.getRemovedResourcesList()) {
                ResourceState rs = ts.resources.get(name);
                if (rs != null) {
                    absent(ts, rs);
                }
            }
        }
        DeltaDiscoveryRequest.Builder ack = DeltaDiscoveryRequest.newBuilder().setTypeUrl(type.typeUrl())
                .setResponseNonce(response.getNonce());
        if (errors.isEmpty()) {
            ts.version = response.getSystemVersionInfo();
        } else {
            String detail = errors.size() + " invalid " + type.shortName() + " resource(s): "
                    + String.join("; ", errors);
            logNack(ts, detail);
            ack.setErrorDetail(com.google.rpc.Status.newBuilder().setCode(Status.Code.INVALID_ARGUMENT.value())
                    .setMessage(detail));
        }
        // State first, answer second: a server (or a test) that sees the ACK/NACK must find the dump agreeing.
        publish();
        onChange.run();
        if (delta != null) {
            delta.onNext(ack.build());
        }
    }

    /** A server that resends a rejected version at once (some do) must not flood the log with the same NACK. */
    private static void logNack(TypeState ts, String detail) {
        if (detail.equals(ts.lastNack)) {
            log.debug("NACK (again) {}", detail);
        } else {
            log.warn("NACK {}", detail);
        }
        ts.lastNack = detail;
    }

    /** Parses one resource of a response and takes it (or records why not); returns its name, or null. */
    private String take(TypeState ts, Any any, String deltaName, String version, List<String> errors) {
        Message message;
        Any payload = any;
        // The resource under the name the bytes give, looked up once: a sorted map of 10,000 names compares many.
        String named = deltaName;
        ResourceState known = null;
        try {
            if (payload.getTypeUrl().equals(RESOURCE_WRAPPER)) {
                payload = payload.unpack(Resource.class).getResource();
            }
            if (!payload.getTypeUrl().equals(ts.type.typeUrl())) {
                errors.add("a " + payload.getTypeUrl() + " in a " + ts.type.shortName() + " response");
                return null;
            }
            if (named == null) {
                named = nameField(payload.getValue());
            }
            known = named == null ? null : ts.resources.get(named);
            if (unchanged(known, payload.getValue(), version)) {
                return named;
            }
            message = decoder.decode(ts.type, payload);
        } catch (InvalidProtocolBufferException e) {
            errors.add((deltaName == null ? "a resource" : deltaName) + ": cannot decode: " + e.getMessage());
            return null;
        } catch (RuntimeException | LinkageError e) {
            // Generated code that fails to load or initialise for this resource's types (a LinkageError) fails the
            // same way for every copy of it: a NACK, not a dead stream thread with the response unanswered.
            log.error("decoding a {} resource {} failed", ts.type.shortName(), deltaName == null ? "" : deltaName, e);
            errors.add((deltaName == null ? "a resource" : deltaName) + ": cannot decode: internal error: " + e);
            return null;
        }
        String name = deltaName != null ? deltaName : XdsResourceType.nameOf(message);
        ResourceState rs = name.equals(named) ? known : ts.resources.get(name);
        if (rs == null) {
            if (!ts.wildcard) {
                return name; // not subscribed (any more): ignore
            }
            rs = ts.add(name);
        }
        cancelTimer(rs);
        ts.values = null;
        Parsed<?> parsed;
        try {
            parsed = parser.parse(ts.type, message, payload.getValue());
        } catch (RuntimeException | LinkageError e) {
            // A parser bug must not take down the stream: treat it as an invalid resource. A LinkageError too: the
            // generated code of a type this resource names (a typed_config unpacked while parsing) failing to load
            // or initialise is this resource's problem, and an Error escaping here would end the task half done,
            // with the response neither ACKed nor NACKed. Other Errors (out of memory) are not the resource's.
            log.error("parsing {} {} failed", ts.type.shortName(), name, e);
            parsed = Parsed.error("internal error while parsing: " + e);
        }
        rs.updated = now();
        if (parsed.ok()) {
            ts.status(rs, ResourceStatus.ACKED);
            rs.value = parsed.value();
            rs.raw = message;
            rs.bytes = payload.getValue();
            rs.version = version;
            rs.warnings = parsed.warnings();
            rs.error = null;
            rs.rejectedVersion = null;
        } else {
            ts.status(rs, ResourceStatus.NACKED);
            rs.error = parsed.error();
            rs.rejectedVersion = version;
            errors.add(name + ": " + parsed.error());
        }
        return name;
    }

    /**
     * Whether {@code bytes} are the very bytes of the value in force of {@code rs} (the resource of the name they
     * carry, or null; a state-of-the-world response lists every cluster again when one changed), then taken with only
     * its version new: the same bytes decode and parse to the same value, so neither is done again, and the type's
     * values stay the same map. The name is read without decoding (every type the mesh uses has it in field 1); bytes
     * equal to a resource's own are that resource whatever a reader makes of them.
     */
    private boolean unchanged(ResourceState rs, ByteString bytes, String version) {
        if (rs == null || rs.status != ResourceStatus.ACKED || rs.bytes == null || rs.bytes.size() != bytes.size()
                || !rs.bytes.asReadOnlyByteBuffer().equals(bytes.asReadOnlyByteBuffer())) {
            return false;
        }
        rs.version = version;
        rs.updated = now();
        return true;
    }

    /** Field 1 of a resource as a string (its name), or null when the bytes do not begin so. */
    private static String nameField(ByteString bytes) {
        try {
            return WireNames.nameField(bytes);
        } catch (java.io.IOException e) {
            return null; // the decoder says what is wrong with them
        }
    }

    /** A subscribed resource the server says is gone. */
    private void absent(TypeState ts, ResourceState rs) {
        cancelTimer(rs);
        ts.values = null;
        if (ts.wildcard) {
            ts.remove(rs.name);
            return;
        }
        ts.status(rs, ResourceStatus.DOES_NOT_EXIST);
        rs.value = null;
        rs.raw = null;
        rs.bytes = null;
        rs.updated = now();
    }

    private Instant now() {
        return Instant.ofEpochMilli(clock.currentTimeMillis());
    }

    private void publish() {
        List<ResourceInfo> out = new ArrayList<>();
        for (TypeState ts : types.values()) {
            for (ResourceState rs : ts.resources.values()) {
                out.add(new ResourceInfo(ts.type, rs.name, rs.status, rs.version, rs.value, rs.raw, rs.warnings,
                        rs.error, rs.rejectedVersion, rs.updated));
            }
        }
        published = List.copyOf(out);
        connectedView = connected && answered;
        lastErrorView = lastStreamError;
    }
}
