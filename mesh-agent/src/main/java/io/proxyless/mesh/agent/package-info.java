/**
 * The mesh as a Java agent: {@code -javaagent:mesh-agent.jar} puts an unchanged application's OkHttp clients
 * and gRPC channels in the mesh ({@link io.proxyless.mesh.agent.MeshAgent}), configured from the environment
 * and agent arguments ({@link io.proxyless.mesh.agent.AgentSettings}).
 */
package io.proxyless.mesh.agent;
