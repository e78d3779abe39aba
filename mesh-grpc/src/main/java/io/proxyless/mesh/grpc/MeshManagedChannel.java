package io.proxyless.mesh.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@link ManagedChannel} that {@link MeshChannelBuilder#build()} returns: the application's interceptors in
 * front of a {@link MeshChannel}. Shutting it down drains the mesh channel: calls in flight finish, with their
 * retries; endpoint connections close when the last one ends.
 */
final class MeshManagedChannel extends ManagedChannel {
    private final MeshChannel mesh;
    private final Channel intercepted;

    MeshManagedChannel(MeshChannel mesh, List<ClientInterceptor> interceptors) {
        this.mesh = mesh;
        this.intercepted = ClientInterceptors.intercept(mesh, interceptors);
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method,
                                                         CallOptions callOptions) {
        return intercepted.newCall(method, callOptions);
    }

    @Override
    public String authority() {
        return mesh.authority();
    }

    @Override
    public ManagedChannel shutdown() {
        mesh.shutdown();
        return this;
    }

    @Override
    public boolean isShutdown() {
        return mesh.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return mesh.isTerminated();
    }

    @Override
    public ManagedChannel shutdownNow() {
        mesh.shutdownNow();
        return this;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return mesh.awaitTermination(timeout, unit);
    }

    /**
     * The best state among the endpoint connections made so far (READY if any is ready); IDLE before the first
     * call. Connections are made per endpoint on demand, so {@code requestConnection} has nothing to start.
     */
    @Override
    public ConnectivityState getState(boolean requestConnection) {
        return mesh.state();
    }

    @Override
    public void resetConnectBackoff() {
        mesh.resetConnectBackoff();
    }

    @Override
    public void enterIdle() {
        mesh.enterIdle();
    }

    /** The mesh channel behind (for tests and dumps). */
    MeshChannel meshChannel() {
        return mesh;
    }

    @Override
    public String toString() {
        return "MeshManagedChannel{target=" + mesh.target() + ", authority=" + mesh.authority() + "}";
    }
}
