/** The injectable clock every time-dependent part of the mesh reads ({@link io.proxyless.mesh.runtime.time.MeshClock}). */
package io.proxyless.mesh.runtime.time;
