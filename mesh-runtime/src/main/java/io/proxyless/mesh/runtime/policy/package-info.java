/** DestinationRule traffic policies: selection and Istio's merge order per (host, subset, port). */
package io.proxyless.mesh.runtime.policy;
