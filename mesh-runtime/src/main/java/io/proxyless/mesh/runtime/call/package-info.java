/**
 * What an adapter does with one call once the engine has routed it, independent of the transport: the retry
 * decision ({@link io.proxyless.mesh.runtime.call.RetryRules}) and its jittered backoff
 * ({@link io.proxyless.mesh.runtime.call.Backoff}), fault injection draws
 * ({@link io.proxyless.mesh.runtime.call.FaultDecision}), mirror selection and the shadow authority
 * ({@link io.proxyless.mesh.runtime.call.Mirroring}), header operations over any header container
 * ({@link io.proxyless.mesh.runtime.call.HeaderMutations} with a {@link io.proxyless.mesh.runtime.call.HeaderSink}),
 * path rewrites ({@link io.proxyless.mesh.runtime.call.Rewrites}), redirect {@code Location}s
 * ({@link io.proxyless.mesh.runtime.call.Redirects}) and direct-response bodies
 * ({@link io.proxyless.mesh.runtime.call.DirectResponses}).
 *
 * <p>Everything follows what the sidecar's Envoy does with the routes istiod generates for the same
 * VirtualService (istio/istio {@code pilot/pkg/networking/core/route/route.go}, Envoy's {@code retry_state_impl.cc},
 * {@code header_parser.cc}, {@code shadow_writer_impl.cc}, {@code Http::Utility::newUri}). The OkHttp and gRPC
 * adapters share these helpers so that both behave the same. No I/O, no threads; regexes are compiled once per
 * config object, never per request.
 */
package io.proxyless.mesh.runtime.call;
