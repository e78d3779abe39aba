package io.proxyless.mesh.examples;

import io.grpc.ManagedChannel;
import io.proxyless.mesh.grpc.MeshChannelOptions;
import io.proxyless.mesh.grpc.MeshGrpc;
import io.proxyless.mesh.okhttp.MeshInterceptor;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.call.FaultDecision;
import io.proxyless.mesh.runtime.event.AttemptView;
import io.proxyless.mesh.runtime.event.CallView;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.tls.ClientTlsContexts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;

/**
 * What one workload uses to call others: its own {@link Mesh} (as each pod has its own sidecar), an OkHttp client
 * with the {@link MeshInterceptor}, and for productpage a gRPC channel to details through {@link MeshGrpc}. Its
 * workload certificate directory is what {@code ISTIO_MUTUAL} presents. It counts what the mesh did for its calls.
 */
final class MeshClient implements AutoCloseable {
    final String workload;
    final Mesh mesh;
    final MeshInterceptor interceptor;
    final OkHttpClient http;
    final ManagedChannel details;
    final AtomicInteger retries = new AtomicInteger();
    final AtomicInteger faults = new AtomicInteger();
    final AtomicInteger overflows = new AtomicInteger();

    MeshClient(String workload, Mesh mesh, Path certificates, OkHttpClient base, boolean detailsChannel) {
        this.workload = workload;
        this.mesh = mesh;
        Counting counting = new Counting();
        this.interceptor = MeshInterceptor.builder(mesh)
                .istioCertificates(certificates)
                .listener(counting)
                .build();
        this.http = base.newBuilder().addInterceptor(interceptor).build();
        this.details = detailsChannel
                ? MeshGrpc.channelBuilder(mesh, "details:9080")
                .meshOptions(MeshChannelOptions.defaults()
                        .withTls(ClientTlsContexts.builder().istioCertificates(certificates).build()))
                .listener(counting)
                .usePlaintext()
                .build()
                : null;
    }

    /** Forgets the counts (between measurements). */
    void reset() {
        retries.set(0);
        faults.set(0);
        overflows.set(0);
    }

    @Override
    public void close() {
        if (details != null) {
            details.shutdownNow();
            try {
                details.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        interceptor.close();
        mesh.close();
    }

    /** One listener for both transports: the mesh's events are the same for OkHttp and gRPC calls. */
    private final class Counting implements MeshListener {
        @Override
        public void retrying(CallView call, AttemptView failed, int retry, Duration backoff) {
            retries.incrementAndGet();
        }

        @Override
        public void faultApplied(CallView call, FaultDecision fault) {
            faults.incrementAndGet();
        }

        @Override
        public void overflow(CallView call, String clusterKey, ConnectionPool.Overflow overflow, boolean retry) {
            overflows.incrementAndGet();
        }
    }
}
