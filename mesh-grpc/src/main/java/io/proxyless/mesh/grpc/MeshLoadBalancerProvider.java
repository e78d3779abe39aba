package io.proxyless.mesh.grpc;

import io.grpc.ConnectivityState;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.NameResolver;
import io.grpc.Status;
import java.util.Map;

/**
 * The {@code proxyless_mesh} load-balancing policy that {@code mesh:///} channels are configured with. Calls on
 * such a channel are taken over by the mesh's config selector before they reach a load balancer, so this one
 * only reports the channel READY and explains the failure when a call does reach it — which happens only if the
 * channel was built with {@code disableServiceConfigLookUp()}, making gRPC discard the config selector.
 * Registered through {@code META-INF/services/io.grpc.LoadBalancerProvider}.
 */
public final class MeshLoadBalancerProvider extends LoadBalancerProvider {
    /** The policy name in service configs. */
    public static final String POLICY_NAME = "proxyless_mesh";

    /** Service-loader constructor. */
    public MeshLoadBalancerProvider() {
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public int getPriority() {
        return 5;
    }

    @Override
    public String getPolicyName() {
        return POLICY_NAME;
    }

    @Override
    public NameResolver.ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
        return NameResolver.ConfigOrError.fromConfig(POLICY_NAME);
    }

    @Override
    public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
        return new LoadBalancer() {
            @Override
            public Status acceptResolvedAddresses(ResolvedAddresses resolvedAddresses) {
                helper.updateBalancingState(ConnectivityState.READY, new SubchannelPicker() {
                    @Override
                    public PickResult pickSubchannel(PickSubchannelArgs args) {
                        return PickResult.withDrop(Status.UNAVAILABLE.withDescription("mesh: a mesh:/// call reached "
                                + "the channel's load balancer instead of the mesh; do not disable service-config "
                                + "lookup on mesh:/// channels (the mesh routes calls through the config selector)"));
                    }
                });
                return Status.OK;
            }

            @Override
            public void handleNameResolutionError(Status error) {
                helper.updateBalancingState(ConnectivityState.TRANSIENT_FAILURE, new SubchannelPicker() {
                    @Override
                    public PickResult pickSubchannel(PickSubchannelArgs args) {
                        return PickResult.withError(error);
                    }
                });
            }

            @Override
            public void shutdown() {
            }
        };
    }
}
