/** Runnable Bookinfo-style demo of the mesh in one JVM. */
package io.proxyless.mesh.examples;
