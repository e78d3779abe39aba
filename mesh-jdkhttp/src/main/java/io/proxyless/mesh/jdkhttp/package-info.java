/**
 * The mesh for the JDK's {@code java.net.http.HttpClient}: {@link io.proxyless.mesh.jdkhttp.MeshHttpClient#wrap}
 * returns a client whose calls go through the runtime's call engine, and the typed failures
 * ({@link io.proxyless.mesh.runtime.call.MeshException} and its subclasses) a call ends with when the mesh decides
 * it. Spring's {@code RestClient} uses it through {@code JdkClientHttpRequestFactory}.
 */
package io.proxyless.mesh.jdkhttp;
