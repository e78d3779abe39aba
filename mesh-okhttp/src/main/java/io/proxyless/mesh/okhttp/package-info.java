/**
 * OkHttp adapter: {@link io.proxyless.mesh.okhttp.MeshInterceptor}, an application interceptor that routes
 * every call with the mesh engine and carries out the decision — endpoint selection, retries, timeouts, fault
 * injection, mirroring, circuit breaking and DestinationRule TLS — failing with typed
 * {@link io.proxyless.mesh.runtime.call.MeshException}s.
 *
 * <pre>{@code
 * OkHttpClient client = new OkHttpClient.Builder()
 *     .addInterceptor(MeshInterceptor.create(mesh))
 *     .build();
 * }</pre>
 */
package io.proxyless.mesh.okhttp;
