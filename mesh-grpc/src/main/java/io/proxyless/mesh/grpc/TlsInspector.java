package io.proxyless.mesh.grpc;

import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.handler.codec.ByteToMessageDecoder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.proxyless.mesh.runtime.security.MtlsMode;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks at the first bytes of a connection, as Envoy's {@code tls_inspector} listener filter does, to tell a TLS
 * ClientHello from plain text, and applies the port's PeerAuthentication mode (read now, so a config change applies
 * to the next connection):
 * <ul>
 *   <li>TLS where the mode is STRICT or PERMISSIVE: the workload's mTLS (client certificate required), then gRPC
 *       ({@link TlsHandshake});</li>
 *   <li>plain text where the mode is PERMISSIVE or DISABLE: gRPC directly;</li>
 *   <li>plain text on a STRICT port, TLS on a DISABLE port, or TLS without workload certificates: the connection is
 *       closed before a single HTTP/2 frame is read — the client sees the connection fail, as against a sidecar.</li>
 * </ul>
 * Only the bytes that decide are inspected: a TLS record starts with content type 22 (handshake) and major version
 * 3; an HTTP/2 client starts with its preface ({@code PRI * HTTP/2.0}), whose first byte is never 22.
 */
final class TlsInspector extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(TlsInspector.class);
    private static final int TLS_HANDSHAKE_RECORD = 22;
    private static final int TLS_MAJOR_VERSION = 3;

    private final GrpcHttp2ConnectionHandler grpcHandler;
    private final InboundConnections connections;
    private ProtocolNegotiationEvent negotiation;
    private boolean refused;

    TlsInspector(GrpcHttp2ConnectionHandler grpcHandler, InboundConnections connections) {
        this.grpcHandler = grpcHandler;
        this.connections = connections;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ProtocolNegotiationEvent pne) {
            // Held until the first bytes tell which transport this is; the next negotiation step gets it.
            negotiation = pne;
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (negotiation == null || !in.isReadable()) {
            return;
        }
        int first = in.getUnsignedByte(in.readerIndex());
        boolean tls;
        if (first != TLS_HANDSHAKE_RECORD) {
            tls = false;
        } else if (in.readableBytes() < 2) {
            return;
        } else {
            tls = in.getUnsignedByte(in.readerIndex() + 1) == TLS_MAJOR_VERSION;
        }
        int port = port(ctx.channel().localAddress());
        MtlsMode mode;
        try {
            mode = connections.mode(port);
        } catch (RuntimeException e) {
            refuse(ctx, "the port's PeerAuthentication mode cannot be read (" + e + ")");
            return;
        }
        if (tls && mode == MtlsMode.DISABLE) {
            refuse(ctx, "TLS on port " + port + ", whose PeerAuthentication mode is DISABLE (plain text only)");
        } else if (!tls && mode == MtlsMode.STRICT) {
            refuse(ctx, "plain text on port " + port + ", whose PeerAuthentication mode is STRICT (mTLS only)");
        } else if (tls) {
            startTls(ctx, port, mode);
        } else {
            next(ctx, InternalProtocolNegotiators.grpcNegotiationHandler(grpcHandler));
            ctx.fireUserEventTriggered(negotiation);
            ctx.pipeline().remove(this);
        }
    }

    private void startTls(ChannelHandlerContext ctx, int port, MtlsMode mode) {
        SslContext mtls;
        try {
            mtls = connections.mtls();
        } catch (TlsConfigException | RuntimeException e) {
            refuse(ctx, "mTLS on port " + port + " (" + mode + ") but no workload certificate to answer with: "
                    + e.getMessage());
            return;
        }
        // The handshake handler goes in first, so that the TLS handler ends up right after this one: removing
        // this inspector then hands the bytes read so far (the ClientHello) to the TLS handler.
        next(ctx, new TlsHandshake(grpcHandler, negotiation));
        next(ctx, mtls.newHandler(ctx.alloc()));
        ctx.pipeline().remove(this);
    }

    private static void next(ChannelHandlerContext ctx, ChannelHandler handler) {
        ctx.pipeline().addAfter(ctx.name(), null, handler);
    }

    private void refuse(ChannelHandlerContext ctx, String why) {
        refused = true;
        log.warn("connection from {} refused: {}", ctx.channel().remoteAddress(), why);
        ctx.close();
    }

    private static int port(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet.getPort() : -1;
    }
}
