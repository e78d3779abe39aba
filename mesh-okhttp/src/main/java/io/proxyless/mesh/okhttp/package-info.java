/** OkHttp adapter: an application interceptor over the mesh engine. */
package io.proxyless.mesh.okhttp;
