package io.proxyless.mesh.api;

/** Istio {@code CaptureMode}: how traffic reaches a Sidecar listener bound to an IP. */
public enum CaptureMode {
    /** Whatever the environment does by default. */
    DEFAULT,
    /** iptables redirection. */
    IPTABLES,
    /** No capture: the application talks to the listener explicitly. */
    NONE
}
