package io.proxyless.mesh.api;

/** How serious a {@link Problem} is. Only {@link #ERROR} makes a configuration unusable. */
public enum Severity {
    /** The configuration is invalid; Istio would reject it. */
    ERROR,
    /** The configuration loads, but something in it is likely not what the author meant. */
    WARNING,
    /** Purely informational, e.g. a document of a non-Istio kind that was skipped. */
    INFO
}
