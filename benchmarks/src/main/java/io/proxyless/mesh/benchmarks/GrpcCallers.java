package io.proxyless.mesh.benchmarks;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.proxyless.mesh.grpc.MeshGrpc;
import io.proxyless.mesh.runtime.Mesh;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC variants against the {@link Backend}'s {@link Echo} service (four ports), all with a direct executor:
 * <ul>
 *   <li>{@code plain}: a grpc-netty-shaded channel to one port (one HTTP/2 connection);</li>
 *   <li>{@code plain-rr}: a control — a plain channel with gRPC's {@code round_robin} over the four ports, so that
 *       calls spread over four connections as the routed channels' do, without routing;</li>
 *   <li>{@code mesh}: {@link MeshGrpc#channelBuilder} to {@code grpc-echo:9090} ({@link MeshConfigs#grpcEcho}:
 *       jason → v2, others 80/20 v1/v2, retries, ROUND_ROBIN over two endpoints per subset);</li>
 *   <li>{@code xds}: grpc-java's own xDS channel ({@code xds:///grpc-echo.default.svc.cluster.local:9090}) fed the
 *       same routing by an in-process java-control-plane server ({@link XdsResources#grpcEcho}).</li>
 * </ul>
 * {@code unary}: a blocking unary call (100-byte request, 128-byte response; one in ten with
 * {@code end-user: jason}). {@code streaming}: each worker keeps one bidi stream open and an operation is one
 * message round trip on it (ping-pong); the side-by-side driver has every worker open a new stream before each
 * measured slice ({@link Caller#beforeSlice}), so that each slice places the streams by a new routing draw.
 */
final class GrpcCallers {
    static final String[] CHANNELS = {"plain", "plain-rr", "mesh", "xds"};
    private static final Metadata.Key<String> END_USER = Metadata.Key.of("end-user", Metadata.ASCII_STRING_MARSHALLER);
    private static final byte[] REQUEST = new byte[Echo.REQUEST_BYTES];

    private GrpcCallers() {
    }

    static Caller create(String channel, Properties backend, boolean streaming) throws Exception {
        int[] ports = BenchEnv.ports(backend, "grpc.ports");
        ManagedChannel managed;
        Mesh mesh = null;
        ControlPlane controlPlane = null;
        Path dir = null;
        switch (channel) {
            case "plain" -> managed = Grpc.newChannelBuilderForAddress("127.0.0.1", ports[0],
                    InsecureChannelCredentials.create()).directExecutor().build();
            case "plain-rr" -> {
                StaticResolver.register();
                managed = Grpc.newChannelBuilder(StaticResolver.target(ports), InsecureChannelCredentials.create())
                        .defaultLoadBalancingPolicy("round_robin").directExecutor().build();
            }
            case "mesh" -> {
                dir = Files.createTempDirectory("mesh-bench-grpc");
                Files.writeString(dir.resolve("mesh.yaml"), MeshConfigs.grpcEcho(ports));
                mesh = Mesh.builder().configPaths(dir).namespace("default").watch(false).build();
                managed = MeshGrpc.channelBuilder(mesh, MeshConfigs.GRPC_HOST + ":9090").usePlaintext()
                        .directExecutor().build();
            }
            case "xds" -> {
                controlPlane = new ControlPlane();
                controlPlane.serve(XdsResources.grpcEcho(ports), "1");
                // grpc-java reads its bootstrap from this property (or GRPC_XDS_BOOTSTRAP) when its xDS client is
                // first created.
                System.setProperty("io.grpc.xds.bootstrap", controlPlane.bootstrap(true).toString());
                managed = Grpc.newChannelBuilder("xds:///" + MeshConfigs.GRPC_HOST + ":9090",
                        InsecureChannelCredentials.create()).directExecutor().build();
            }
            default -> throw new IllegalArgumentException("unknown channel " + channel);
        }
        Metadata md = new Metadata();
        md.put(END_USER, "jason");
        Channel jason = ClientInterceptors.intercept(managed, MetadataUtils.newAttachHeadersInterceptor(md));
        // The first calls wait for the channel (for grpc-xds: its xDS config) to be ready.
        for (Channel ch : new Channel[] {managed, jason}) {
            ClientCalls.blockingUnaryCall(ch, Echo.UNARY,
                    CallOptions.DEFAULT.withWaitForReady().withDeadlineAfter(20, TimeUnit.SECONDS), REQUEST);
        }
        GrpcCaller caller = new GrpcCaller(managed, jason, mesh, controlPlane, dir, streaming, ports);
        caller.call(0, 0);
        return caller;
    }

    private static final class GrpcCaller implements Caller {
        private final ManagedChannel managed;
        private final Channel jason;
        private final Mesh mesh;
        private final ControlPlane controlPlane;
        private final Path dir;
        private final boolean streaming;
        private final Stream[] streams = new Stream[256];
        private final int[] ports;
        /** Streams opened by {@link #beforeSlice} per backend port, over the run (the driver's thread only). */
        private final long[] opened;

        GrpcCaller(ManagedChannel managed, Channel jason, Mesh mesh, ControlPlane controlPlane, Path dir,
                   boolean streaming, int[] ports) {
            this.ports = ports;
            this.opened = new long[ports.length];
            this.managed = managed;
            this.jason = jason;
            this.mesh = mesh;
            this.controlPlane = controlPlane;
            this.dir = dir;
            this.streaming = streaming;
        }

        @Override
        public void call(int worker, int i) throws Exception {
            if (!streaming) {
                Channel ch = i % 10 == 0 ? jason : managed;
                ClientCalls.blockingUnaryCall(ch, Echo.UNARY, CallOptions.DEFAULT, REQUEST);
                return;
            }
            Stream s = streams[worker];
            if (s == null) {
                s = new Stream(worker % 10 == 0 ? jason : managed);
                streams[worker] = s;
            }
            s.pingPong();
        }

        /**
         * Streaming: closes every worker's stream and opens a new one, with one message round trip on it so that it
         * is routed and connected before the timed part. A stream stays on the connection it was first routed to, and
         * at one message round trip per operation the streams' spread over the four backend ports (two v1, two v2)
         * moves throughput: one draw for a whole run decided the ratio between channels more than their cost per
         * message did. A new draw per slice makes the placement one more source of round-to-round noise, alike for
         * every channel, which the report's median over rounds averages out.
         */
        @Override
        public void beforeSlice(int workers) throws Exception {
            if (!streaming) {
                return;
            }
            for (int w = 0; w < streams.length; w++) {
                if (streams[w] != null) {
                    streams[w].finish();
                    streams[w] = null;
                }
                if (w < workers) {
                    Stream s = new Stream(w % 10 == 0 ? jason : managed);
                    s.pingPong();
                    streams[w] = s;
                    int port = s.port();
                    for (int i = 0; i < ports.length; i++) {
                        if (ports[i] == port) {
                            opened[i]++;
                        }
                    }
                }
            }
        }

        /**
         * Streaming: how many streams {@link #beforeSlice} opened on each backend port over the run, warm-up included,
         * in the order of the backend's ports (two v1, two v2).
         */
        @Override
        public String stats() {
            if (!streaming) {
                return null;
            }
            StringBuilder sb = new StringBuilder("streams per port ");
            for (int i = 0; i < opened.length; i++) {
                sb.append(i == 0 ? "" : "/").append(opened[i]);
            }
            return sb.toString();
        }

        @Override
        public void close() throws Exception {
            for (Stream s : streams) {
                if (s != null) {
                    s.call.halfClose();
                }
            }
            managed.shutdownNow();
            managed.awaitTermination(5, TimeUnit.SECONDS);
            if (mesh != null) {
                mesh.close();
            }
            if (controlPlane != null) {
                controlPlane.close();
            }
            if (dir != null) {
                Files.deleteIfExists(dir.resolve("mesh.yaml"));
                Files.deleteIfExists(dir);
            }
        }
    }

    /** One bidi stream, used by one thread at a time. */
    private static final class Stream {
        private final BlockingQueue<Object> inbox = new ArrayBlockingQueue<>(4);
        private final ClientCall<byte[], byte[]> call;

        Stream(Channel ch) {
            call = ch.newCall(Echo.STREAM, CallOptions.DEFAULT.withWaitForReady());
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onMessage(byte[] message) {
                    inbox.add(message);
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    inbox.add(status);
                }
            }, new Metadata());
        }

        void pingPong() throws InterruptedException {
            call.request(1);
            call.sendMessage(REQUEST);
            Object reply = inbox.poll(30, TimeUnit.SECONDS);
            if (reply == null) {
                throw new IllegalStateException("no reply on the stream within 30 s");
            }
            if (reply instanceof Status status) {
                throw status.asRuntimeException();
            }
        }

        /** The backend port this stream's connection goes to, or -1 if not known yet. */
        int port() {
            return call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR) instanceof InetSocketAddress a
                    ? a.getPort() : -1;
        }

        /**
         * Half-closes the stream and waits for the backend to end it, so that no teardown of this stream falls into
         * the next measured slice.
         */
        void finish() throws InterruptedException {
            call.halfClose();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
                if (inbox.poll(left, TimeUnit.NANOSECONDS) instanceof Status) {
                    return;
                }
            }
            call.cancel("not ended by the backend within 5 s", null);
        }
    }
}
