package io.proxyless.mesh.xds;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The result of parsing one xDS resource: a value and the warnings that came with it, or an error (the
 * resource is invalid and is NACKed; the last good version stays in use).
 */
record Parsed<T>(T value, List<Findings.Finding> warnings, String error) {
    Parsed {
        warnings = List.copyOf(warnings);
    }

    static <T> Parsed<T> of(T value, Findings findings) {
        if (findings.hasErrors()) {
            return new Parsed<>(null, findings.warnings(), findings.errors().stream().map(Findings.Finding::toString)
                    .collect(Collectors.joining("; ")));
        }
        return new Parsed<>(value, findings.warnings(), null);
    }

    static <T> Parsed<T> error(String message) {
        return new Parsed<>(null, List.of(), message);
    }

    boolean ok() {
        return error == null;
    }
}
