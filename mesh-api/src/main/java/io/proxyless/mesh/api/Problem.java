package io.proxyless.mesh.api;

import java.util.Comparator;
import java.util.Objects;

/**
 * One problem found in configuration: where it is ({@code file:line}, resource, field path) and what to do.
 *
 * <p>Rendered by {@link #format()} as
 * {@code FILE:LINE: KIND NAMESPACE/NAME: FIELD_PATH: MESSAGE}, for example
 * {@code reviews.yaml:14: VirtualService default/reviews: spec.http[0].route[1].destination.host: required};
 * warnings and infos carry a {@code warning: } / {@code info: } prefix. Parts that are unknown (a YAML syntax
 * error has no resource yet) are left out rather than printed empty.
 *
 * @param severity  error, warning or info
 * @param file      the file as given by the user (or as found under a given directory); may be null for
 *                  config that did not come from a file (xDS)
 * @param line      1-based line of the offending key, or of its parent key for a missing field; 0 if unknown
 * @param kind      resource kind such as {@code VirtualService}, or null
 * @param namespace resource namespace, or null
 * @param name      resource name, or null
 * @param path      field path such as {@code spec.http[0].route[1].destination.host}, or null
 * @param message   what is wrong and, where possible, how to fix it
 * @param code      Istio's analysis message code ({@code IST0101}) for a finding of the cross-resource analysis,
 *                  null for a validation problem. An analysis finding describes config Istio accepts but that
 *                  is probably wrong, so it never stops config from being applied, whatever its severity
 *                  (see {@link #blocksConfig()}); {@link #format()} shows it as {@code [IST0101]} before the
 *                  message
 */
public record Problem(Severity severity, String file, int line, String kind, String namespace, String name,
                      String path, String message, String code) {

    /** Sorts problems by file, then line, then path, so a report reads top to bottom. */
    public static final Comparator<Problem> BY_LOCATION = Comparator
            .comparing((Problem p) -> Objects.requireNonNullElse(p.file(), ""))
            .thenComparingInt(Problem::line)
            .thenComparing(p -> Objects.requireNonNullElse(p.path(), ""))
            .thenComparing(Problem::message);

    public Problem {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(message, "message");
    }

    /** A validation problem (no analysis code). */
    public Problem(Severity severity, String file, int line, String kind, String namespace, String name,
                   String path, String message) {
        this(severity, file, line, kind, namespace, name, path, message, null);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /**
     * Whether this problem keeps config from being applied: a validation error. Analysis findings (with a
     * {@link #code()}) never do, even at severity error: istiod applies such config too, and a client that
     * refused it would disagree with every sidecar in the mesh.
     */
    public boolean blocksConfig() {
        return severity == Severity.ERROR && code == null;
    }

    /** The same problem with Istio's analysis code. */
    public Problem withCode(String analysisCode) {
        return new Problem(severity, file, line, kind, namespace, name, path, message, analysisCode);
    }

    /** The one-line form described in the class comment. */
    public String format() {
        StringBuilder out = new StringBuilder();
        if (severity == Severity.WARNING) {
            out.append("warning: ");
        } else if (severity == Severity.INFO) {
            out.append("info: ");
        }
        if (file != null) {
            out.append(file);
            if (line > 0) {
                out.append(':').append(line);
            }
            out.append(": ");
        }
        if (kind != null) {
            out.append(kind);
            if (name != null) {
                out.append(' ').append(namespace == null ? "" : namespace + "/").append(name);
            }
            out.append(": ");
        }
        if (path != null && !path.isEmpty()) {
            out.append(path).append(": ");
        }
        if (code != null) {
            out.append('[').append(code).append("] ");
        }
        return out.append(message).toString();
    }

    @Override
    public String toString() {
        return format();
    }
}
