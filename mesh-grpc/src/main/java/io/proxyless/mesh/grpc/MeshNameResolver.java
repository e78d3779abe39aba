package io.proxyless.mesh.grpc;

import io.grpc.Attributes;
import io.grpc.ClientInterceptor;
import io.grpc.InternalConfigSelector;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerRegistry;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.event.MeshListener;
import java.util.List;
import java.util.Map;

/**
 * Resolves {@code mesh:///host:port}. It does not hand the channel addresses: it hands it a config selector
 * whose interceptor sends every call through a {@link MeshChannel} owned by this resolver — the per-call hook
 * grpc-xds uses for its routing — and the {@code proxyless_mesh} load-balancing policy, which never sees a call
 * unless the config selector was discarded. When the outer channel shuts down or goes idle, the resolver is shut
 * down and its mesh channel drains (calls in flight finish); a channel leaving idle gets a new resolver.
 */
final class MeshNameResolver extends NameResolver {
    private final MeshTarget target;
    private final Args args;
    private MeshChannel channel;

    MeshNameResolver(MeshTarget target, Args args) {
        this.target = target;
        this.args = args;
    }

    @Override
    public String getServiceAuthority() {
        return target.authority();
    }

    @Override
    public void start(Listener2 listener) {
        Mesh mesh = args.getArg(MeshGrpc.MESH);
        MeshChannelOptions options = args.getArg(MeshGrpc.OPTIONS);
        if (mesh == null) {
            MeshGrpc.Registration registration = MeshGrpc.defaultRegistration();
            if (registration == null) {
                listener.onError(Status.UNAVAILABLE.withDescription("mesh: no Mesh for " + MeshGrpc.target(
                        target.authority()) + ": call MeshGrpc.registerDefault(mesh) first, or pass one with "
                        + "setNameResolverArg(MeshGrpc.MESH, mesh)"));
                return;
            }
            mesh = registration.mesh();
            if (options == null) {
                options = registration.options();
            }
        }
        if (options == null) {
            options = MeshChannelOptions.defaults();
        }
        LoadBalancerRegistry lbRegistry = LoadBalancerRegistry.getDefaultRegistry();
        if (lbRegistry.getProvider(MeshLoadBalancerProvider.POLICY_NAME) == null) {
            lbRegistry.register(new MeshLoadBalancerProvider()); // service files lost (e.g. shading)
        }
        ConfigOrError serviceConfig = args.getServiceConfigParser().parseServiceConfig(Map.of(
                "loadBalancingConfig", List.of(Map.of(MeshLoadBalancerProvider.POLICY_NAME, Map.of()))));
        if (serviceConfig.getError() != null) {
            listener.onError(serviceConfig.getError());
            return;
        }
        channel = new MeshChannel(mesh, target, null, options, null, args.getChildChannelConfigurator(), null,
                MeshListener.NONE);
        MeshChannel routed = channel;
        ClientInterceptor interceptor = new ClientInterceptor() {
            @Override
            public <ReqT, RespT> io.grpc.ClientCall<ReqT, RespT> interceptCall(
                    io.grpc.MethodDescriptor<ReqT, RespT> method, io.grpc.CallOptions callOptions, io.grpc.Channel next) {
                // next is the outer channel: its authority (override included) is the calls' authority.
                return routed.newCall(method, callOptions, next.authority());
            }
        };
        Object config = serviceConfig.getConfig();
        InternalConfigSelector selector = new InternalConfigSelector() {
            @Override
            public Result selectConfig(LoadBalancer.PickSubchannelArgs pickArgs) {
                return Result.newBuilder().setConfig(config).setInterceptor(interceptor).build();
            }
        };
        listener.onResult2(ResolutionResult.newBuilder()
                .setAddressesOrError(StatusOr.fromValue(List.of()))
                .setAttributes(Attributes.newBuilder().set(InternalConfigSelector.KEY, selector).build())
                .setServiceConfig(serviceConfig)
                .build());
    }

    @Override
    public void refresh() {
        // Nothing to re-resolve: every call reads the mesh's current config.
    }

    @Override
    public void shutdown() {
        if (channel != null) {
            channel.shutdown();
        }
    }
}
