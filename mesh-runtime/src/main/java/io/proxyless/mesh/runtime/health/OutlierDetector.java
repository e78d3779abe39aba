package io.proxyless.mesh.runtime.health;

import io.proxyless.mesh.api.OutlierDetection;
import io.proxyless.mesh.runtime.registry.Endpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Passive health checking for one cluster (service host + subset + port): Istio's {@code outlierDetection}
 * carried out the way the sidecar's Envoy does it, so the same endpoints are ejected for the same time.
 *
 * <pre>{@code
 * OutlierDetector od = OutlierDetector.create(policy.outlierDetection());   // null policy: detection off
 * List<Endpoint> candidates = od.healthy(cluster.endpoints());               // same list when none ejected
 * Endpoint e = balancer.pick(candidates, ctx);
 * ... send ...
 * od.report(e, AttemptOutcome.httpStatus(503));
 * }</pre>
 *
 * <h2>Semantics (Istio {@code applyOutlierDetection} + Envoy {@code outlier_detection_impl.cc})</h2>
 * <ul>
 *   <li><b>consecutive5xxErrors</b>: unset → 5; 0 → off. Counts 5xx responses, and (unless split) local-origin
 *       failures as 503/504. Any non-5xx response resets it.</li>
 *   <li><b>consecutiveGatewayErrors</b>: off unless set &gt; 0 (Istio only enables its enforcement when set).
 *       Counts 502/503/504 (and unsplit local failures); any other response, including a 500, resets it.</li>
 *   <li><b>consecutiveErrors</b> (deprecated): ignored, as Istio ignores it (validation only warns).</li>
 *   <li><b>splitExternalLocalOriginErrors</b>: local failures (connect failure, reset, timeout) then count only
 *       toward <b>consecutiveLocalOriginFailures</b> (unset or 0 → Envoy's default 5), and any response resets
 *       that count; responses still count toward the 5xx/gateway thresholds.</li>
 *   <li><b>outlierDetectionHttpErrorCodes</b>: when set, only responses with one of these statuses are errors
 *       (toward the 5xx threshold; toward the gateway threshold only when the code is also 502/503/504); every
 *       other response counts as a success.</li>
 *   <li>A threshold fires when its counter <em>reaches</em> it; the counter is then reset whether or not the
 *       ejection was allowed. Errors reported for an already-ejected endpoint keep counting but never re-eject it.</li>
 *   <li><b>maxEjectionPercent</b>: unset or 0 → 10 (Istio only passes values &gt; 0). An endpoint is ejected only
 *       if {@code 100 × (ejected + 1) / endpoints ≤ maxEjectionPercent}. Envoy's {@code always_eject_one_host} is
 *       off under Istio, so with the default 10 % a cluster of fewer than 10 endpoints ejects nothing.</li>
 *   <li><b>Ejection time</b>: {@code min(baseEjectionTime × multiplier, maxEjectionTime)} where the multiplier
 *       grows by one on each ejection and shrinks by one on each {@code interval} sweep the endpoint spends in
 *       service after its last return; maxEjectionTime is Envoy's default, max(300 s, base). So "base × number
 *       of ejections" holds while an endpoint keeps failing, and falls back to base once it behaves.</li>
 *   <li><b>interval</b> (default 10 s): ejections happen at once when a threshold fires, but endpoints return
 *       to service only at sweeps, every {@code interval} from the detector's creation: the first sweep at or
 *       after the ejection time has passed. Sweeps are evaluated lazily (whenever the detector is used), in
 *       closed form, so there is no background thread and no sleeping in tests.</li>
 *   <li><b>minHealthPercent</b> (Istio default 0 = off): Envoy's panic threshold. When the share of non-ejected
 *       endpoints in the list given to {@link #healthy} is below it, all endpoints are used. With it off and
 *       everything ejected, {@link #healthy} returns an empty list: Envoy's "no healthy upstream" (503).</li>
 * </ul>
 *
 * <h2>Concurrency</h2>
 * {@link #report}, {@link #healthy} and {@link #isEjected} use atomics and volatile reads only. The single lock
 * serialises what Envoy runs on its main thread: an ejection decision (once per threshold's worth of
 * failures), the interval sweep (taken with {@code tryLock}, so a request never waits for it), config and
 * membership changes and snapshots.
 *
 * <h2>Reloads</h2>
 * A detector outlives config snapshots: {@link ClusterHealth} keeps one per cluster key and calls
 * {@link #reconfigure} (state, counters and ejections kept; new thresholds and times apply from then on) and
 * {@link #updateEndpoints} (state of endpoints that left the cluster is dropped, as Envoy drops a removed host's
 * monitor). Envoy itself would start over when the cluster's own config changes; keeping the state is deliberate,
 * so that an unrelated reload does not put a failing endpoint back into service.
 */
public final class OutlierDetector {

    /** Envoy's ejection types for the detections Istio can enable. */
    public enum EjectionType {
        CONSECUTIVE_5XX,
        CONSECUTIVE_GATEWAY_FAILURE,
        CONSECUTIVE_LOCAL_ORIGIN_FAILURE
    }

    private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    private static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
    private static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofSeconds(300);
    private static final int DEFAULT_CONSECUTIVE_5XX = 5;
    private static final int DEFAULT_CONSECUTIVE_LOCAL_ORIGIN_FAILURES = 5;
    private static final int DEFAULT_MAX_EJECTION_PERCENT = 10;

    /**
     * The effective detection settings after Istio's translation and Envoy's defaults. A threshold of 0 means
     * that detection is off.
     *
     * @param consecutive5xxErrors           5xx responses before ejection (0: off)
     * @param consecutiveGatewayErrors       gateway errors before ejection (0: off)
     * @param splitExternalLocalOriginErrors local failures are counted on their own
     * @param consecutiveLocalOriginFailures local failures before ejection (0 when not split)
     * @param interval                       time between sweeps
     * @param baseEjectionTime               ejection time of a first ejection
     * @param maxEjectionTime                cap on the ejection time
     * @param maxEjectionPercent             most endpoints that may be ejected, in percent (1..100)
     * @param minHealthPercent               panic threshold in percent (0: never panic)
     * @param httpErrorCodes                 statuses counted as errors instead of 5xx; empty: 5xx
     */
    public record Settings(int consecutive5xxErrors, int consecutiveGatewayErrors,
                           boolean splitExternalLocalOriginErrors, int consecutiveLocalOriginFailures,
                           Duration interval, Duration baseEjectionTime, Duration maxEjectionTime,
                           int maxEjectionPercent, int minHealthPercent, Set<Integer> httpErrorCodes) {

        public Settings {
            Objects.requireNonNull(interval, "interval");
            Objects.requireNonNull(baseEjectionTime, "baseEjectionTime");
            Objects.requireNonNull(maxEjectionTime, "maxEjectionTime");
            httpErrorCodes = httpErrorCodes == null ? Set.of() : Set.copyOf(httpErrorCodes);
        }

        /** The settings Istio gives a sidecar for {@code policy}, or null when the policy is null (detection off). */
        public static Settings from(OutlierDetection policy) {
            if (policy == null) {
                return null;
            }
            int c5xx = policy.consecutive5xxErrors() == null ? DEFAULT_CONSECUTIVE_5XX
                    : Math.max(0, policy.consecutive5xxErrors());
            int gateway = policy.consecutiveGatewayErrors() == null ? 0 : Math.max(0, policy.consecutiveGatewayErrors());
            boolean split = Boolean.TRUE.equals(policy.splitExternalLocalOriginErrors());
            int local = 0;
            if (split) {
                Integer l = policy.consecutiveLocalOriginFailures();
                local = l == null || l <= 0 ? DEFAULT_CONSECUTIVE_LOCAL_ORIGIN_FAILURES : l;
            }
            Duration interval = positive(policy.interval(), DEFAULT_INTERVAL);
            Duration base = positive(policy.baseEjectionTime(), DEFAULT_BASE_EJECTION_TIME);
            Duration max = base.compareTo(DEFAULT_MAX_EJECTION_TIME) > 0 ? base : DEFAULT_MAX_EJECTION_TIME;
            Integer mep = policy.maxEjectionPercent();
            int maxEjectionPercent = mep == null || mep <= 0 ? DEFAULT_MAX_EJECTION_PERCENT : Math.min(100, mep);
            Integer mhp = policy.minHealthPercent();
            int minHealthPercent = mhp == null ? 0 : Math.max(0, Math.min(100, mhp));
            return new Settings(c5xx, gateway, split, local, interval, base, max, maxEjectionPercent,
                    minHealthPercent, new TreeSet<>(policy.outlierDetectionHttpErrorCodes()));
        }

        /**
         * The settings of an Envoy-shaped cluster's {@code outlier_detection}, or null when it has none (detection
         * off). Envoy's rules for unset fields apply as for Istio's policy; an unset maximum ejection time is
         * Envoy's default (300 s, or the base ejection time when longer).
         */
        public static Settings from(io.proxyless.mesh.runtime.model.OutlierDetection policy) {
            if (policy == null) {
                return null;
            }
            Duration interval = positive(policy.interval(), DEFAULT_INTERVAL);
            Duration base = positive(policy.baseEjectionTime(), DEFAULT_BASE_EJECTION_TIME);
            Duration max = policy.maxEjectionTime() != null ? policy.maxEjectionTime()
                    : base.compareTo(DEFAULT_MAX_EJECTION_TIME) > 0 ? base : DEFAULT_MAX_EJECTION_TIME;
            boolean split = policy.splitExternalLocalOriginErrors();
            int local = split ? (policy.consecutiveLocalOriginFailure() <= 0 ? DEFAULT_CONSECUTIVE_LOCAL_ORIGIN_FAILURES
                    : policy.consecutiveLocalOriginFailure()) : 0;
            int mep = policy.maxEjectionPercent();
            return new Settings(policy.consecutive5xx(), policy.consecutiveGatewayFailure(), split, local, interval,
                    base, max, mep <= 0 ? DEFAULT_MAX_EJECTION_PERCENT : Math.min(100, mep),
                    policy.minHealthPercent(), policy.httpErrorCodes());
        }

        private static Duration positive(Duration d, Duration fallback) {
            return d == null || d.isNegative() || d.isZero() ? fallback : d;
        }

        long intervalNanos() {
            return saturatedNanos(interval);
        }

        /** Ejection time for the given multiplier: min(base × multiplier, max). */
        long ejectionNanos(int multiplier) {
            long base = saturatedNanos(baseEjectionTime);
            long max = saturatedNanos(maxEjectionTime);
            long product = multiplier <= 0 ? 0 : (base > max / multiplier ? max : base * multiplier);
            return Math.min(product, max);
        }

        /** Envoy's guard on growing the multiplier: only while base × multiplier &lt; max + base. */
        boolean mayGrow(int multiplier) {
            long base = saturatedNanos(baseEjectionTime);
            long max = saturatedNanos(maxEjectionTime);
            // multiplier × base < max + base, without overflowing the product
            return multiplier < ceilDiv(max + base, base);
        }

        private static long saturatedNanos(Duration d) {
            try {
                return d.toNanos();
            } catch (ArithmeticException e) {
                return Long.MAX_VALUE / 4;
            }
        }
    }

    /**
     * One endpoint's state, for dumps.
     *
     * @param endpoint                       the endpoint
     * @param ejected                        currently out of load balancing
     * @param lastEjectionType               why it was last ejected, or null if never
     * @param timesEjected                   ejections since the detector first saw it
     * @param ejectionMultiplier             Envoy's ejection-time backoff: the next ejection lasts base × (this + 1)
     * @param unejectAtNanos                 when ejected: the sweep (detector clock, nanoTime) that returns it
     * @param remaining                      when ejected: time until that sweep; else zero
     * @param consecutive5xx                 current run of 5xx errors
     * @param consecutiveGatewayErrors       current run of gateway errors
     * @param consecutiveLocalOriginFailures current run of local failures (split mode)
     */
    public record EndpointHealth(Endpoint endpoint, boolean ejected, EjectionType lastEjectionType, int timesEjected,
                                 int ejectionMultiplier, long unejectAtNanos, Duration remaining, int consecutive5xx,
                                 int consecutiveGatewayErrors, int consecutiveLocalOriginFailures) {
    }

    /**
     * The detector's state, for {@code mesh dump}.
     *
     * @param enabled           false when the cluster has no outlier detection
     * @param settings          effective settings, or null when disabled
     * @param endpointCount     endpoints the ejection percentage is computed against
     * @param ejectedCount      endpoints currently ejected
     * @param detected          threshold hits by type (Envoy's {@code ejections_detected_*})
     * @param enforced          ejections carried out by type ({@code ejections_enforced_*})
     * @param overflow          ejections refused by maxEjectionPercent ({@code ejections_overflow})
     * @param endpoints         every endpoint the detector tracks, ejected ones first
     */
    public record Snapshot(boolean enabled, Settings settings, int endpointCount, int ejectedCount,
                           Map<EjectionType, Long> detected, Map<EjectionType, Long> enforced, long overflow,
                           List<EndpointHealth> endpoints) {
        public Snapshot {
            detected = Map.copyOf(detected);
            enforced = Map.copyOf(enforced);
            endpoints = List.copyOf(endpoints);
        }

        /** The ejected endpoints only. */
        public List<EndpointHealth> ejected() {
            return endpoints.stream().filter(EndpointHealth::ejected).toList();
        }
    }

    /** Per-endpoint state. Counters are atomics (request path); the rest is guarded by the detector's lock. */
    private static final class HostState {
        final AtomicInteger consecutive5xx = new AtomicInteger();
        final AtomicInteger consecutiveGateway = new AtomicInteger();
        final AtomicInteger consecutiveLocal = new AtomicInteger();
        volatile boolean ejected;
        long lastEjectionNanos;
        boolean everUnejected;
        long lastUnejectionNanos;
        int multiplier;
        int timesEjected;
        EjectionType lastType;

        void resetCounters() {
            reset(consecutive5xx);
            reset(consecutiveGateway);
            reset(consecutiveLocal);
        }
    }

    /** The last filtered list handed out by {@link #healthy}, reused while nothing changes. */
    private record Filtered(List<Endpoint> all, long epoch, List<Endpoint> result) {
    }

    private final LongSupplier nanoTime;
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentHashMap<Endpoint, HostState> hosts = new ConcurrentHashMap<>();
    // Envoy's ejection stats: detected and enforced per type, then overflow. Guarded by the lock (they change
    // only on an ejection decision) and made on the first one: most clusters never eject anything.
    private static final int ENFORCED = EjectionType.values().length;
    private static final int OVERFLOW = 2 * ENFORCED;
    private long[] ejectionStats;

    private volatile Settings settings;
    /** Time of the next interval sweep; read without the lock to decide whether a sweep is due. */
    private volatile long nextSweepNanos;
    /** Time of the last sweep that was carried out (guarded by lock). */
    private long lastSweepNanos;
    private volatile int ejectedCount;
    /** Bumped whenever the set of ejected endpoints (or the settings) change; keys the {@link #healthy} cache. */
    private volatile long epoch;
    private volatile Set<Endpoint> membership;
    private volatile int lastSeenSize;
    private volatile Filtered filtered;
    /** {@link #isEjected} as a predicate, made once so that handing it out on a pick allocates nothing. */
    private final Predicate<Endpoint> ejectedTest = this::isEjected;

    private OutlierDetector(Settings settings, LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.settings = settings;
        long now = nanoTime.getAsLong();
        this.lastSweepNanos = now;
        this.nextSweepNanos = settings == null ? now : now + settings.intervalNanos();
    }

    /** A detector for {@code policy} on the system clock; a null policy gives a disabled detector. */
    public static OutlierDetector create(OutlierDetection policy) {
        return create(policy, System::nanoTime);
    }

    /**
     * A detector for {@code policy} reading time from {@code nanoTime} (a {@link System#nanoTime()}-like
     * monotonic source; tests pass a fake clock).
     */
    public static OutlierDetector create(OutlierDetection policy, LongSupplier nanoTime) {
        return of(Settings.from(policy), nanoTime);
    }

    /** A detector with {@code settings} (null: disabled) reading time from {@code nanoTime}. */
    public static OutlierDetector of(Settings settings, LongSupplier nanoTime) {
        return new OutlierDetector(settings, Objects.requireNonNull(nanoTime, "nanoTime"));
    }

    /** A detector that never ejects (a cluster without {@code outlierDetection}). */
    public static OutlierDetector disabled() {
        return create(null);
    }

    /** True when the cluster has outlier detection. */
    public boolean enabled() {
        return settings != null;
    }

    /** The effective settings, or null when disabled. */
    public Settings settings() {
        return settings;
    }

    /**
     * Applies a new policy (config reload). Counters, ejections and multipliers are kept and judged by the new
     * settings from now on; sweeps continue on the new interval from the last one. A null policy turns detection
     * off and forgets all state (as Envoy drops the detector); enabling it again starts afresh.
     */
    public void reconfigure(OutlierDetection policy) {
        applySettings(Settings.from(policy));
    }

    /** Like {@link #reconfigure(OutlierDetection)}, with settings already resolved (null: detection off). */
    public void applySettings(Settings next) {
        lock.lock();
        try {
            Settings current = settings;
            if (Objects.equals(current, next)) {
                return;
            }
            long now = nanoTime.getAsLong();
            if (current != null) {
                sweepLocked(now, current);
            }
            if (next == null) {
                hosts.clear();
                ejectedCount = 0;
            } else if (current == null) {
                lastSweepNanos = now;
            }
            settings = next;
            nextSweepNanos = next == null ? now : lastSweepNanos + next.intervalNanos();
            epoch++;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Tells the detector which endpoints the cluster has now (after a snapshot change). Ejection percentages are
     * computed against this set, and state of endpoints no longer in it is dropped. Until it is called the
     * denominator is the size of the last list passed to {@link #healthy}.
     */
    public void updateEndpoints(Collection<Endpoint> endpoints) {
        Set<Endpoint> members = Set.copyOf(endpoints);
        lock.lock();
        try {
            membership = members;
            boolean changed = false;
            for (var it = hosts.entrySet().iterator(); it.hasNext(); ) {
                var entry = it.next();
                if (!members.contains(entry.getKey())) {
                    if (entry.getValue().ejected) {
                        entry.getValue().ejected = false;
                        ejectedCount--;
                        changed = true;
                    }
                    it.remove();
                }
            }
            if (changed) {
                epoch++;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Records the outcome of one attempt against {@code endpoint}; may eject it. Lock-free unless this report
     * makes a counter reach its threshold. An endpoint the detector has not seen yet gets its state on first
     * report; {@link #updateEndpoints} drops it again when the endpoint leaves the cluster.
     */
    public void report(Endpoint endpoint, AttemptOutcome outcome) {
        Settings s = settings;
        if (s == null) {
            return;
        }
        HostState h = hosts.get(endpoint);
        if (h == null) {
            h = hosts.computeIfAbsent(endpoint, e -> new HostState());
        }
        if (outcome.isLocalOrigin()) {
            if (s.splitExternalLocalOriginErrors()) {
                if (h.consecutiveLocal.incrementAndGet() == s.consecutiveLocalOriginFailures()) {
                    onThreshold(endpoint, h, EjectionType.CONSECUTIVE_LOCAL_ORIGIN_FAILURE);
                }
            } else {
                countStatus(endpoint, h, s, outcome.outlierStatus(), true);
            }
            return;
        }
        if (s.splitExternalLocalOriginErrors()) {
            // A response means the connection worked: Envoy's LOCAL_ORIGIN_CONNECT_SUCCESS.
            reset(h.consecutiveLocal);
        }
        countStatus(endpoint, h, s, outcome.status(), false);
    }

    private void countStatus(Endpoint endpoint, HostState h, Settings s, int status, boolean localOrigin) {
        boolean error;
        if (!localOrigin && !s.httpErrorCodes().isEmpty()) {
            error = s.httpErrorCodes().contains(status);
        } else {
            error = status >= 500 && status <= 599;
        }
        if (!error) {
            reset(h.consecutive5xx);
            reset(h.consecutiveGateway);
            return;
        }
        boolean gatewayFired = false;
        if (AttemptOutcome.isGatewayError(status)) {
            gatewayFired = h.consecutiveGateway.incrementAndGet() == s.consecutiveGatewayErrors();
        } else {
            reset(h.consecutiveGateway);
        }
        boolean fiveXxFired = h.consecutive5xx.incrementAndGet() == s.consecutive5xxErrors();
        // Same order as Envoy posts them: gateway first; the 5xx event then finds the endpoint ejected.
        if (gatewayFired) {
            onThreshold(endpoint, h, EjectionType.CONSECUTIVE_GATEWAY_FAILURE);
        }
        if (fiveXxFired) {
            onThreshold(endpoint, h, EjectionType.CONSECUTIVE_5XX);
        }
    }

    private void onThreshold(Endpoint endpoint, HostState h, EjectionType type) {
        lock.lock();
        try {
            Settings s = settings;
            if (s == null || hosts.get(endpoint) != h) {
                return; // detection turned off or endpoint dropped meanwhile
            }
            long now = nanoTime.getAsLong();
            sweepLocked(now, s);
            if (h.ejected) {
                return; // Envoy leaves the counter running; the return to service resets it
            }
            long[] stats = ejectionStats;
            if (stats == null) {
                stats = new long[OVERFLOW + 1];
                ejectionStats = stats;
            }
            stats[type.ordinal()]++;
            double percent = 100.0 * (ejectedCount + 1) / denominator();
            if (percent <= s.maxEjectionPercent()) {
                h.ejected = true;
                ejectedCount++;
                h.timesEjected++;
                h.lastEjectionNanos = now;
                h.lastType = type;
                if (s.mayGrow(h.multiplier)) {
                    h.multiplier++;
                }
                stats[ENFORCED + type.ordinal()]++;
                epoch++;
            } else {
                stats[OVERFLOW]++;
            }
            switch (type) {
                case CONSECUTIVE_5XX -> reset(h.consecutive5xx);
                case CONSECUTIVE_GATEWAY_FAILURE -> reset(h.consecutiveGateway);
                case CONSECUTIVE_LOCAL_ORIGIN_FAILURE -> reset(h.consecutiveLocal);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * A number that changes whenever the set of ejected endpoints (or the settings) changes: state derived from
     * the ejections (a locality's availability) is kept while it stays the same.
     */
    public long ejectionEpoch() {
        return epoch;
    }

    /** {@link #isEjected} as a predicate (the same instance every time). */
    public Predicate<Endpoint> ejectedTest() {
        return ejectedTest;
    }

    /** True when {@code endpoint} is ejected now (regardless of panic, which {@link #healthy} applies). */
    public boolean isEjected(Endpoint endpoint) {
        if (settings == null) {
            return false;
        }
        maybeSweep();
        HostState h = hosts.get(endpoint);
        return h != null && h.ejected;
    }

    /**
     * The endpoints of {@code all} that load balancing may use: {@code all} itself (no copy) when none is ejected
     * or when the healthy share is below {@code minHealthPercent} (panic); otherwise an unmodifiable list without
     * the ejected ones, possibly empty ("no healthy upstream"). The filtered list is cached until the ejected set
     * changes, so the request path does not allocate while an endpoint stays ejected.
     */
    public List<Endpoint> healthy(List<Endpoint> all) {
        Settings s = settings;
        if (s == null || all.isEmpty()) {
            return all;
        }
        if (lastSeenSize != all.size()) {
            lastSeenSize = all.size();
        }
        maybeSweep();
        if (ejectedCount == 0) {
            return all;
        }
        long currentEpoch = epoch;
        Filtered f = filtered;
        if (f != null && f.all() == all && f.epoch() == currentEpoch) {
            return f.result();
        }
        List<Endpoint> kept = new ArrayList<>(all.size());
        for (Endpoint e : all) {
            HostState h = hosts.get(e);
            if (h == null || !h.ejected) {
                kept.add(e);
            }
        }
        List<Endpoint> result;
        if (kept.size() == all.size()) {
            result = all;
        } else if (s.minHealthPercent() > 0 && 100.0 * kept.size() / all.size() < s.minHealthPercent()) {
            result = all; // panic: Envoy balances over every endpoint
        } else {
            result = List.copyOf(kept);
        }
        filtered = new Filtered(all, currentEpoch, result);
        return result;
    }

    /** The current state for dumps. */
    public Snapshot snapshot() {
        lock.lock();
        try {
            Settings s = settings;
            long now = nanoTime.getAsLong();
            if (s == null) {
                return new Snapshot(false, null, 0, 0, statsOf(0), statsOf(ENFORCED), stat(OVERFLOW), List.of());
            }
            sweepLocked(now, s);
            long interval = s.intervalNanos();
            List<EndpointHealth> list = new ArrayList<>();
            hosts.forEach((endpoint, h) -> {
                long unejectAt = 0;
                Duration remaining = Duration.ZERO;
                if (h.ejected) {
                    long due = h.lastEjectionNanos + s.ejectionNanos(h.multiplier);
                    unejectAt = lastSweepNanos + Math.max(1, ceilDiv(due - lastSweepNanos, interval)) * interval;
                    remaining = Duration.ofNanos(Math.max(0, unejectAt - now));
                }
                list.add(new EndpointHealth(endpoint, h.ejected, h.lastType, h.timesEjected, h.multiplier, unejectAt,
                        remaining, h.consecutive5xx.get(), h.consecutiveGateway.get(), h.consecutiveLocal.get()));
            });
            list.sort(Comparator.comparing((EndpointHealth eh) -> !eh.ejected())
                    .thenComparing(eh -> eh.endpoint().authority()));
            return new Snapshot(true, s, denominator(), ejectedCount, statsOf(0), statsOf(ENFORCED), stat(OVERFLOW),
                    list);
        } finally {
            lock.unlock();
        }
    }

    /** Runs the interval sweep if one is due, without ever waiting for another thread doing it. */
    private void maybeSweep() {
        Settings s = settings;
        if (s == null) {
            return;
        }
        long now = nanoTime.getAsLong();
        if (now - nextSweepNanos < 0) {
            return;
        }
        if (lock.tryLock()) {
            try {
                sweepLocked(now, settings);
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Carries out every sweep due up to {@code now}: sweeps happen at lastSweep + k × interval. For each endpoint
     * the effect of those k sweeps is computed in closed form (Envoy's onIntervalTimer run k times): an ejected
     * endpoint returns at the first sweep at or after its ejection time has passed (counters reset), and every
     * later sweep with at least one interval since its return lowers its multiplier by one.
     */
    private void sweepLocked(long now, Settings s) {
        if (s == null) {
            return;
        }
        long interval = s.intervalNanos();
        long from = lastSweepNanos;
        if (now - from < interval) {
            nextSweepNanos = from + interval;
            return;
        }
        long to = from + ((now - from) / interval) * interval;
        boolean changed = false;
        for (HostState h : hosts.values()) {
            if (h.ejected) {
                long due = h.lastEjectionNanos + s.ejectionNanos(h.multiplier);
                long back = from + Math.max(1, ceilDiv(due - from, interval)) * interval;
                if (back - to <= 0) {
                    h.ejected = false;
                    ejectedCount--;
                    h.everUnejected = true;
                    h.lastUnejectionNanos = back;
                    h.resetCounters();
                    h.multiplier = (int) Math.max(0, h.multiplier - (to - back) / interval);
                    changed = true;
                }
            } else if (h.everUnejected && h.multiplier > 0) {
                long first = from + Math.max(1, ceilDiv(h.lastUnejectionNanos + interval - from, interval)) * interval;
                if (first - to <= 0) {
                    long sweeps = (to - first) / interval + 1;
                    h.multiplier = (int) Math.max(0, h.multiplier - sweeps);
                }
            }
        }
        lastSweepNanos = to;
        nextSweepNanos = to + interval;
        if (changed) {
            epoch++;
        }
    }

    /** Endpoints the ejection percentage is computed against: the cluster's, as far as the detector knows it. */
    private int denominator() {
        Set<Endpoint> members = membership;
        int n = members != null ? members.size() : Math.max(lastSeenSize, hosts.size());
        return Math.max(1, n);
    }

    private static long ceilDiv(long x, long y) {
        return -Math.floorDiv(-x, y);
    }

    private static void reset(AtomicInteger counter) {
        // Skip the write when already zero: successes are the common case and shared cache lines are costly.
        if (counter.get() != 0) {
            counter.set(0);
        }
    }

    /** One ejection stat (guarded by lock). */
    private long stat(int index) {
        return ejectionStats == null ? 0 : ejectionStats[index];
    }

    /** The stats of every ejection type from {@code offset} on (guarded by lock). */
    private Map<EjectionType, Long> statsOf(int offset) {
        Map<EjectionType, Long> map = new EnumMap<>(EjectionType.class);
        for (EjectionType t : EjectionType.values()) {
            map.put(t, stat(offset + t.ordinal()));
        }
        return map;
    }

    /** Endpoints currently tracked (for tests and dumps). */
    Set<Endpoint> tracked() {
        return new HashSet<>(hosts.keySet());
    }
}
