/** Immutable Istio networking.istio.io config model, loader and validation. */
package io.proxyless.mesh.api;
