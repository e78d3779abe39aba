/**
 * The call engine and its helpers. {@link io.proxyless.mesh.runtime.call.CallEngine} carries out every call of
 * every adapter ({@link io.proxyless.mesh.runtime.call.RoutedCall}, its
 * {@link io.proxyless.mesh.runtime.call.Attempt}s and {@link io.proxyless.mesh.runtime.call.MirrorCopy}s); an
 * adapter plugs in its transport as an {@link io.proxyless.mesh.runtime.call.Exchange}. The helpers: the retry
 * decision ({@link io.proxyless.mesh.runtime.call.RetryRules}) and its jittered backoff
 * ({@link io.proxyless.mesh.runtime.call.Backoff}), fault injection draws
 * ({@link io.proxyless.mesh.runtime.call.FaultDecision}), mirror selection and the shadow authority
 * ({@link io.proxyless.mesh.runtime.call.Mirroring}), header operations over any header container
 * ({@link io.proxyless.mesh.runtime.call.HeaderMutations} with a {@link io.proxyless.mesh.runtime.call.HeaderSink}),
 * path rewrites ({@link io.proxyless.mesh.runtime.call.Rewrites}), redirect {@code Location}s
 * ({@link io.proxyless.mesh.runtime.call.Redirects}) and direct-response bodies
 * ({@link io.proxyless.mesh.runtime.call.DirectResponses}). Headers the mesh adds to every attempt of every adapter
 * (trace context, {@code x-request-id}) come from {@link io.proxyless.mesh.runtime.call.RequestHeaderContributor}s.
 *
 * <p>Everything follows what the sidecar's Envoy does with the routes istiod generates for the same
 * VirtualService (istio/istio {@code pilot/pkg/networking/core/route/route.go}, Envoy's {@code retry_state_impl.cc},
 * {@code header_parser.cc}, {@code shadow_writer_impl.cc}, {@code Http::Utility::newUri}, and its router's
 * {@code router.cc} for the attempt loop). The OkHttp and gRPC adapters share the engine and these helpers so that
 * both behave the same. No I/O and no threads of its own: time and timers come from the mesh's
 * {@link io.proxyless.mesh.runtime.time.MeshClock}; regexes are compiled once per config object, never per
 * request.
 */
package io.proxyless.mesh.runtime.call;
