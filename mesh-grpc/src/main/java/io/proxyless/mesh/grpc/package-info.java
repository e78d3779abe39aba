/** gRPC adapter: mesh:/// name resolver, load balancer and interceptor. */
package io.proxyless.mesh.grpc;
