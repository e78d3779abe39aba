package io.proxyless.mesh.grpc;

import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.util.AsciiString;

/**
 * The protocol negotiator of a mesh gRPC server: every accepted connection goes through a {@link TlsInspector},
 * which applies the port's PeerAuthentication mode to what the client sends first. It is grpc-netty's extension
 * point for server transport security (the one grpc-xds's server uses for its filter chains), so the rest of the
 * transport — HTTP/2, flow control, keep-alive — is grpc-netty's own.
 */
final class PeerAuthenticationNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
    private static final AsciiString SCHEME = AsciiString.of("http");

    private final InboundConnections connections;

    PeerAuthenticationNegotiator(InboundConnections connections) {
        this.connections = connections;
    }

    @Override
    public AsciiString scheme() {
        // Only a client negotiator's scheme reaches the wire (as :scheme); a server's is never read.
        return SCHEME;
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        return InternalProtocolNegotiators.waitUntilActiveHandler(new TlsInspector(grpcHandler, connections),
                grpcHandler.getNegotiationLogger());
    }

    @Override
    public void close() {
    }
}
