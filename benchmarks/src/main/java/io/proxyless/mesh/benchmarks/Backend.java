package io.proxyless.mesh.benchmarks;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFutureListener;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.SimpleChannelInboundHandler;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.SocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderNames;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderValues;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpMethod;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObjectAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponseStatus;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerCodec;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpUtil;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * The upstream every scenario talks to, in its own JVM so that it is the same warm server for every variant and
 * its CPU can be accounted separately: an HTTP/1.1 server (Netty, keep-alive, one event-loop thread) on four ports
 * (the four endpoints of the {@code echo} service: v1, v1, v2, v2) plus one more for the healthy mirror, and a gRPC
 * server with the {@link Echo} service on four ports. The mirror port has its own event-loop thread (it stands for
 * another service). Everything listens on 127.0.0.1.
 *
 * <p>{@code java -cp benchmarks.jar io.proxyless.mesh.benchmarks.Backend PROPERTIES_FILE [MAX_SECONDS]} writes the
 * ports, a free port for HAProxy, a port nothing listens on (the dead mirror) and its pid to the file, then serves
 * until killed or until {@code MAX_SECONDS} (default 1800) have passed, so it never outlives a broken run.
 */
public final class Backend {
    /** Size of a GET response body. */
    static final int GET_BYTES = 256;
    /** Size of a POST response body. */
    static final int POST_BYTES = 64;

    private Backend() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: Backend PROPERTIES_FILE [MAX_SECONDS]");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        long maxSeconds = args.length > 1 ? Long.parseLong(args[1]) : 1800;

        // One event-loop thread for all HTTP ports: a small, efficient server that costs every variant the same.
        EventLoopGroup group = new NioEventLoopGroup(1);
        // The mirror is another service: its own event loop, so that copies never queue in front of primaries.
        EventLoopGroup mirrorGroup = new NioEventLoopGroup(1);
        List<Channel> http = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            http.add(httpServer(group));
        }
        http.add(httpServer(mirrorGroup));
        Server grpc = Echo.server(4);

        Properties p = new Properties();
        p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
        StringJoiner httpPorts = new StringJoiner(",");
        for (int i = 0; i < 4; i++) {
            httpPorts.add(Integer.toString(((InetSocketAddress) http.get(i).localAddress()).getPort()));
        }
        p.setProperty("http.ports", httpPorts.toString());
        p.setProperty("http.mirror.port", Integer.toString(((InetSocketAddress) http.get(4).localAddress()).getPort()));
        StringJoiner grpcPorts = new StringJoiner(",");
        grpc.getListenSockets().forEach(a -> grpcPorts.add(Integer.toString(((InetSocketAddress) a).getPort())));
        p.setProperty("grpc.ports", grpcPorts.toString());
        // Free ports: one for HAProxy's frontend, one that stays closed (connections refused: a dead mirror).
        p.setProperty("proxy.port", Integer.toString(freePort()));
        p.setProperty("dead.port", Integer.toString(freePort()));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "bench backend");
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("backend ready: " + p);

        Thread.sleep(TimeUnit.SECONDS.toMillis(maxSeconds));
        System.err.println("backend: " + maxSeconds + " s passed, stopping");
        grpc.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        mirrorGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        System.exit(0);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Channel httpServer(EventLoopGroup group) throws InterruptedException {
        return new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                new EchoHttpHandler());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    /** Answers GET with {@value #GET_BYTES} bytes of JSON and anything else with {@value #POST_BYTES}. */
    private static final class EchoHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private static final ByteBuf GET_BODY = Unpooled.unreleasableBuffer(
                Unpooled.wrappedBuffer(body(GET_BYTES))).asReadOnly();
        private static final ByteBuf POST_BODY = Unpooled.unreleasableBuffer(
                Unpooled.wrappedBuffer(body(POST_BYTES))).asReadOnly();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            ByteBuf body = (req.method() == HttpMethod.GET ? GET_BODY : POST_BODY).duplicate();
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (keepAlive) {
                ctx.writeAndFlush(res);
            } else {
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private static byte[] body(int size) {
            StringBuilder sb = new StringBuilder("{\"items\":\"");
            while (sb.length() < size - 2) {
                sb.append('x');
            }
            return sb.append("\"}").toString().getBytes(StandardCharsets.US_ASCII);
        }
    }
}
