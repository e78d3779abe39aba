package io.proxyless.mesh.runtime.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.ConnectionPoolSettings;
import io.proxyless.mesh.api.ConnectionPoolSettings.HTTPSettings;
import io.proxyless.mesh.api.ConnectionPoolSettings.TCPSettings;
import io.proxyless.mesh.runtime.health.ConnectionPool.Overflow;
import io.proxyless.mesh.runtime.health.ConnectionPool.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ConnectionPoolTest {

    private static HTTPSettings http(Integer maxPending, Integer maxRequests, Integer perConnection,
                                     Integer maxRetries, Duration idleTimeout) {
        return new HTTPSettings(maxPending, maxRequests, perConnection, maxRetries, idleTimeout, null, null, null,
                null);
    }

    private static ConnectionPoolSettings limits(Integer maxConnections, Integer maxPending, Integer maxRequests,
                                                 Integer maxRetries) {
        return ConnectionPoolSettings.of(TCPSettings.of(maxConnections, null),
                http(maxPending, maxRequests, null, maxRetries, null));
    }

    @Test
    void withoutConnectionPoolSettingsEveryLimitIsIstiosTwoToTheThirtyTwoMinusOne() {
        for (ConnectionPool pool : List.of(ConnectionPool.create(null),
                ConnectionPool.create(ConnectionPoolSettings.of(null, null)))) {
            ConnectionPool.Limits limits = pool.limits();
            assertThat(limits.maxConnections()).isEqualTo(4_294_967_295L);
            assertThat(limits.maxPendingRequests()).isEqualTo(4_294_967_295L);
            assertThat(limits.maxRequests()).isEqualTo(4_294_967_295L);
            assertThat(limits.maxRetries()).isEqualTo(4_294_967_295L);
            assertThat(limits.maxRequestsPerConnection()).isZero();
            assertThat(limits.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
            assertThat(limits.idleTimeout()).isNull();
        }
        assertThat(ConnectionPool.Limits.ISTIO_DEFAULT).isEqualTo(ConnectionPool.Limits.from(null));
    }

    @Test
    void zeroLimitsMeanUnsetAsInIstio() {
        ConnectionPool pool = ConnectionPool.create(limits(0, 0, 0, 0));

        assertThat(pool.limits()).isEqualTo(ConnectionPool.Limits.ISTIO_DEFAULT);
    }

    @Test
    void adapterSettingsArePassedThroughWithTcpIdleTimeoutAsFallback() {
        ConnectionPool pool = ConnectionPool.create(ConnectionPoolSettings.of(
                new TCPSettings(7, Duration.ofMillis(250), null, Duration.ofMinutes(5), Duration.ofSeconds(90)),
                http(null, null, 1, null, null)));

        ConnectionPool.Limits limits = pool.limits();
        assertThat(limits.maxConnections()).isEqualTo(7);
        assertThat(limits.connectTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(limits.maxRequestsPerConnection()).isEqualTo(1);
        assertThat(limits.idleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(limits.maxConnectionDuration()).isEqualTo(Duration.ofMinutes(5));

        pool.reconfigure(ConnectionPoolSettings.of(null, http(null, null, null, null, Duration.ofSeconds(3))));
        assertThat(pool.limits().idleTimeout()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void withOneConnectionAndOnePendingSlotTheThirdConcurrentRequestOverflows() throws Exception {
        ConnectionPool pool = ConnectionPool.create(limits(1, 1, null, null));
        CountDownLatch firstIn = new CountDownLatch(1);
        CountDownLatch secondIn = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Permit> first = new AtomicReference<>();
        AtomicReference<Permit> second = new AtomicReference<>();
        AtomicReference<Permit> third = new AtomicReference<>();

        Thread a = new Thread(() -> {
            try (Permit p = pool.tryAcquireRequest()) {
                first.set(p);
                firstIn.countDown();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread b = new Thread(() -> {
            try {
                firstIn.await();
                try (Permit p = pool.tryAcquireRequest()) {
                    second.set(p);
                    secondIn.countDown();
                    release.await();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread c = new Thread(() -> {
            try {
                secondIn.await();
                try (Permit p = pool.tryAcquireRequest()) {
                    third.set(p);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        for (Thread t : List.of(a, b, c)) {
            t.setDaemon(true); // a failed assertion must not leave threads parked on the latches
            t.start();
        }
        try {
            c.join(30_000);
            assertThat(third.get()).as("third request attempted").isNotNull();
        } catch (AssertionError | InterruptedException e) {
            release.countDown();
            throw e;
        }

        assertThat(first.get().granted()).isTrue();
        assertThat(first.get().pending()).isFalse();
        assertThat(second.get().granted()).isTrue();
        assertThat(second.get().pending()).isTrue();
        assertThat(third.get().granted()).isFalse();
        assertThat(third.get().overflow()).isEqualTo(Overflow.PENDING_REQUESTS);
        assertThat(third.get().overflow().envoyStat()).isEqualTo("upstream_rq_pending_overflow");
        assertThat(pool.activeRequests()).isEqualTo(2);
        assertThat(pool.pendingRequests()).isEqualTo(1);

        release.countDown();
        a.join(30_000);
        b.join(30_000);
        assertThat(pool.activeRequests()).isZero();
        try (Permit again = pool.tryAcquireRequest()) {
            assertThat(again.granted()).isTrue();
        }
        assertThat(pool.stats().pendingOverflows()).isEqualTo(1);
        assertThat(pool.stats().requestsAdmitted()).isEqualTo(3);
    }

    @Test
    void releasingAPermitFreesItsCapacityExactlyOnce() {
        ConnectionPool pool = ConnectionPool.create(limits(null, null, 2, null));
        Permit one = pool.tryAcquireRequest();
        Permit two = pool.tryAcquireRequest();
        assertThat(pool.tryAcquireRequest().granted()).isFalse();

        one.close();
        one.close(); // a second close must not free a slot that another request holds
        assertThat(pool.activeRequests()).isEqualTo(1);

        Permit three = pool.tryAcquireRequest();
        assertThat(three.granted()).isTrue();
        assertThat(pool.tryAcquireRequest().granted()).isFalse();
        two.close();
        three.close();
        assertThat(pool.activeRequests()).isZero();
    }

    @Test
    void http2MaxRequestsCapsRequestsInFlight() {
        ConnectionPool pool = ConnectionPool.create(limits(null, null, 3, null));
        List<Permit> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(pool.tryAcquireRequest());
        }

        Permit refused = pool.tryAcquireRequest();

        assertThat(held).allMatch(Permit::granted);
        assertThat(refused.overflow()).isEqualTo(Overflow.MAX_REQUESTS);
        assertThat(refused.overflow().istioField()).isEqualTo("http2MaxRequests");
        assertThat(refused.overflow().envoyStat()).isEqualTo("upstream_rq_pending_overflow");
        assertThat(refused.overflow().responseFlag()).isEqualTo("UO");
        refused.close(); // harmless
        assertThat(pool.activeRequests()).isEqualTo(3);
        assertThat(pool.stats().maxRequestsOverflows()).isEqualTo(1);
        assertThat(pool.stats().upstreamRqPendingOverflow()).isEqualTo(1);
        held.forEach(Permit::close);
    }

    @Test
    void maxRetriesCapsRetriesInFlight() {
        ConnectionPool pool = ConnectionPool.create(limits(null, null, null, 2));
        Permit r1 = pool.tryAcquireRetry();
        Permit r2 = pool.tryAcquireRetry();
        Permit r3 = pool.tryAcquireRetry();

        assertThat(r1.granted()).isTrue();
        assertThat(r2.granted()).isTrue();
        assertThat(r3.overflow()).isEqualTo(Overflow.MAX_RETRIES);
        assertThat(r3.overflow().envoyStat()).isEqualTo("upstream_rq_retry_overflow");
        assertThat(pool.activeRetries()).isEqualTo(2);

        r1.close();
        assertThat(pool.tryAcquireRetry().granted()).isTrue();
        assertThat(pool.stats().retryOverflows()).isEqualTo(1);
        // Retries do not use request capacity by themselves.
        assertThat(pool.activeRequests()).isZero();
    }

    @Test
    void reconfiguredLimitsApplyToRequestsAlreadyInFlight() {
        ConnectionPool pool = ConnectionPool.create(limits(null, null, 3, null));
        Permit a = pool.tryAcquireRequest();
        Permit b = pool.tryAcquireRequest();

        pool.reconfigure(limits(null, null, 2, null));
        assertThat(pool.tryAcquireRequest().overflow()).isEqualTo(Overflow.MAX_REQUESTS);

        a.close();
        b.close();
        assertThat(pool.activeRequests()).isZero();
        pool.reconfigure(null);
        assertThat(pool.limits()).isEqualTo(ConnectionPool.Limits.ISTIO_DEFAULT);
    }

    @Test
    void eightThreadsHammeringThePoolNeverExceedItsLimits() throws Exception {
        long totalOverflows = 0;
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            for (long seed = 1; seed <= 25; seed++) {
                Random random = new Random(seed);
                int maxConnections = 1 + random.nextInt(4);
                int maxPending = 1 + random.nextInt(3);
                int maxRequests = 1 + random.nextInt(8);
                int maxRetries = 1 + random.nextInt(3);
                String input = "seed=" + seed + " maxConnections=" + maxConnections + " maxPending=" + maxPending
                        + " maxRequests=" + maxRequests + " maxRetries=" + maxRetries;
                ConnectionPool pool = ConnectionPool.create(limits(maxConnections, maxPending, maxRequests,
                        maxRetries));
                int requestBound = Math.min(maxRequests, maxConnections + maxPending);

                AtomicInteger inFlight = new AtomicInteger();
                AtomicInteger peak = new AtomicInteger();
                AtomicInteger retriesInFlight = new AtomicInteger();
                AtomicInteger retryPeak = new AtomicInteger();
                AtomicLong requestTries = new AtomicLong();
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    long threadSeed = seed * 31 + t;
                    done.add(threads.submit(() -> {
                        Random r = new Random(threadSeed);
                        start.await();
                        for (int i = 0; i < 20_000; i++) {
                            boolean retry = r.nextInt(4) == 0;
                            AtomicInteger counter = retry ? retriesInFlight : inFlight;
                            AtomicInteger max = retry ? retryPeak : peak;
                            if (!retry) {
                                requestTries.incrementAndGet();
                            }
                            try (Permit p = retry ? pool.tryAcquireRetry() : pool.tryAcquireRequest()) {
                                if (p.granted()) {
                                    int now = counter.incrementAndGet();
                                    max.accumulateAndGet(now, Math::max);
                                    for (int spin = r.nextInt(16); spin > 0; spin--) {
                                        Thread.onSpinWait();
                                    }
                                    counter.decrementAndGet();
                                }
                            }
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }

                ConnectionPool.Stats stats = pool.stats();
                assertThat(peak.get()).as("requests in flight, %s", input).isLessThanOrEqualTo(requestBound);
                assertThat(retryPeak.get()).as("retries in flight, %s", input).isLessThanOrEqualTo(maxRetries);
                assertThat(stats.activeRequests()).as("requests left in flight, %s", input).isZero();
                assertThat(stats.activeRetries()).as("retries left in flight, %s", input).isZero();
                assertThat(stats.requestsAdmitted() + stats.upstreamRqPendingOverflow())
                        .as("every request admitted or refused once, %s", input).isEqualTo(requestTries.get());
                totalOverflows += stats.upstreamRqPendingOverflow() + stats.retryOverflows();
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(totalOverflows).as("the limits were actually reached").isPositive();
    }
}
