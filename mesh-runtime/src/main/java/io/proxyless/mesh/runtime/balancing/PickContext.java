package io.proxyless.mesh.runtime.balancing;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * What a load balancer may look at for one pick.
 *
 * @param hashKey       the consistent-hash key of this request (header value, cookie, query parameter or
 *                      source IP, per the DestinationRule), or null when none applies / the policy is not a hash
 * @param previousHosts endpoints already tried by earlier attempts of the same request (Envoy's previous_hosts
 *                      retry predicate); empty on the first attempt
 * @param random        randomness to use (seeded in tests and in {@code mesh route --seed})
 */
public record PickContext(String hashKey, Set<Endpoint> previousHosts, RandomGenerator random) {
    public PickContext {
        previousHosts = previousHosts == null ? Set.of() : previousHosts;
    }
}
