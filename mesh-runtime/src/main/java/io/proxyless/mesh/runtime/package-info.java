/** Transport-neutral mesh engine: snapshots, config sources, routing, balancing. */
package io.proxyless.mesh.runtime;
