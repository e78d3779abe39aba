package io.proxyless.mesh.grpc;

import static io.proxyless.mesh.grpc.Backend.REVIEWS_GET;
import static io.proxyless.mesh.grpc.XdsControlPlane.headerExact;
import static io.proxyless.mesh.grpc.XdsControlPlane.headerPrefix;
import static io.proxyless.mesh.grpc.XdsControlPlane.weighted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.xds.XdsBootstrap;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential test against grpc-java's own xDS client (grpc-xds): one xDS server serves weighted clusters (v1 70,
 * v3 30) and header matches (end-user exact "jason" → v2, x-group prefix "beta" → v3) in the proxyless shape, a
 * grpc-xds {@code xds:///} channel and a mesh channel both read it, and both must send real calls to the same
 * backends in the same proportions.
 *
 * <p>grpc-xds reads its bootstrap once per JVM (it caches the default bootstrap statically), so the server, and
 * the grpc-xds channel, are shared by the whole class; the system property is set only while the channel makes
 * its first call, and restored afterwards.
 */
class GrpcXdsDifferentialTest {
    private static final String TARGET = XdsControlPlane.HOST + ":" + XdsControlPlane.PORT;
    private static final int CALLS = 4000;

    private static Backend v1;
    private static Backend v2;
    private static Backend v3;
    private static XdsControlPlane cp;
    @TempDir
    static Path bootstrapDir;
    private static ManagedChannel grpcXds;
    private static Mesh mesh;
    private static ManagedChannel meshChannel;

    @BeforeAll
    static void start() throws Exception {
        v1 = Backend.start("v1");
        v2 = Backend.start("v2");
        v3 = Backend.start("v3");
        cp = new XdsControlPlane();
        cp.serve(Map.of("v1", v1, "v2", v2, "v3", v3), List.of(
                headerExact("end-user", "jason", "v2"),
                headerPrefix("x-group", "beta", "v3"),
                weighted("v1", 70, "v3", 30)));

        String previous = System.getProperty(XdsBootstrap.BOOTSTRAP_CONFIG_PROPERTY);
        System.setProperty(XdsBootstrap.BOOTSTRAP_CONFIG_PROPERTY, cp.bootstrapJson());
        try {
            grpcXds = Grpc.newChannelBuilder("xds:///" + TARGET, InsecureChannelCredentials.create()).build();
            // The bootstrap is read when the channel's resolver starts, i.e. at its first call.
            assertThat(MeshFixture.call(grpcXds, REVIEWS_GET, "warm-up", "end-user", "jason")).isEqualTo("v2");
        } finally {
            if (previous == null) {
                System.clearProperty(XdsBootstrap.BOOTSTRAP_CONFIG_PROPERTY);
            } else {
                System.setProperty(XdsBootstrap.BOOTSTRAP_CONFIG_PROPERTY, previous);
            }
        }
        mesh = Mesh.builder().xdsBootstrap(cp.writeBootstrap(bootstrapDir)).build();
        meshChannel = MeshGrpc.channelBuilder(mesh, TARGET).build();
    }

    @AfterAll
    static void stop() throws Exception {
        for (ManagedChannel c : new ManagedChannel[] {grpcXds, meshChannel}) {
            if (c != null) {
                c.shutdownNow();
                c.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        if (mesh != null) {
            mesh.close();
        }
        if (cp != null) {
            cp.close();
        }
        for (Backend b : new Backend[] {v1, v2, v3}) {
            if (b != null) {
                b.close();
            }
        }
    }

    @Test
    void weightedClustersSendTheSameShareOfCallsToEachBackendAsGrpcXds() throws Exception {
        Map<String, Integer> reference = tally(grpcXds, CALLS);
        Map<String, Integer> ours = tally(meshChannel, CALLS);

        assertThat(ours.keySet()).as("mesh %s, grpc-xds %s", ours, reference).isEqualTo(reference.keySet())
                .containsOnly("v1", "v3");
        for (String backend : reference.keySet()) {
            double theirs = reference.get(backend) / (double) CALLS;
            double mine = ours.get(backend) / (double) CALLS;
            assertThat(mine).as("%s share: mesh %s vs grpc-xds %s of %d calls each", backend, ours, reference, CALLS)
                    .isCloseTo(theirs, offset(0.04));
        }
        double expectedV1 = 0.70;
        assertThat(reference.get("v1") / (double) CALLS).as("grpc-xds v1 share %s", reference)
                .isCloseTo(expectedV1, offset(0.04));
        assertThat(ours.get("v1") / (double) CALLS).as("mesh v1 share %s", ours)
                .isCloseTo(expectedV1, offset(0.04));
    }

    @Test
    void headerMatchedCallsReachTheSameBackendsAsWithGrpcXds() throws Exception {
        // metadata of each probe; the expected backends only document the intent: the assertion is mesh == grpc-xds
        List<String[]> probes = List.of(
                new String[] {"end-user", "jason"},
                new String[] {"end-user", "Jason"},
                new String[] {"end-user", "jason2"},
                new String[] {"x-group", "beta"},
                new String[] {"x-group", "beta-7"},
                new String[] {"x-group", "alpha"},
                new String[] {"x-group", "Beta"},
                new String[] {"end-user", "jason", "x-group", "beta"},
                new String[] {"end-user", "mary", "x-group", "beta"},
                new String[] {});
        Map<String, TreeSet<String>> expected = new TreeMap<>();
        Map<String, TreeSet<String>> theirs = new TreeMap<>();
        Map<String, TreeSet<String>> ours = new TreeMap<>();
        for (String[] headers : probes) {
            String key = String.join("=", headers);
            theirs.put(key, new TreeSet<>(tally(grpcXds, 40, headers).keySet()));
            ours.put(key, new TreeSet<>(tally(meshChannel, 40, headers).keySet()));
        }
        expected.put("end-user=jason", new TreeSet<>(List.of("v2")));
        expected.put("end-user=jason=x-group=beta", new TreeSet<>(List.of("v2")));
        expected.put("x-group=beta", new TreeSet<>(List.of("v3")));
        expected.put("x-group=beta-7", new TreeSet<>(List.of("v3")));
        expected.put("end-user=mary=x-group=beta", new TreeSet<>(List.of("v3")));
        assertThat(ours).as("backends reached per probe (mesh vs grpc-xds)").isEqualTo(theirs);
        for (Map.Entry<String, TreeSet<String>> e : expected.entrySet()) {
            assertThat(theirs.get(e.getKey())).as("grpc-xds for %s", e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(theirs.get("")).as("no header: the weighted split").containsExactly("v1", "v3");
    }

    /**
     * How many of {@code n} unary calls with the given metadata each backend answered. Calls run 32 at a time, so
     * the thousands of calls of a share comparison take about a second.
     */
    private static Map<String, Integer> tally(Channel channel, int n, String... headers) throws Exception {
        Metadata md = new Metadata();
        for (int i = 0; i < headers.length; i += 2) {
            md.put(Metadata.Key.of(headers[i], Metadata.ASCII_STRING_MARSHALLER), headers[i + 1]);
        }
        Channel withHeaders = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
        Semaphore window = new Semaphore(32);
        List<ListenableFuture<String>> calls = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            window.acquire();
            ListenableFuture<String> f = ClientCalls.futureUnaryCall(withHeaders.newCall(REVIEWS_GET,
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)), "x");
            f.addListener(window::release, Runnable::run);
            calls.add(f);
        }
        Map<String, Integer> counts = new TreeMap<>();
        for (ListenableFuture<String> f : calls) {
            counts.merge(f.get(15, TimeUnit.SECONDS), 1, Integer::sum);
        }
        return counts;
    }
}
