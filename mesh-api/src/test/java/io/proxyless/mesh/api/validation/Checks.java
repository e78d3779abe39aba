package io.proxyless.mesh.api.validation;

import io.proxyless.mesh.api.Metadata;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.api.SourceInfo;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs rules against a fresh {@link ValidationContext} for a resource {@code default/r} and renders what they
 * reported as {@code "PATH: MESSAGE"} (errors) or {@code "warning: PATH: MESSAGE"} lines, so tests can compare
 * exact output without a file or line numbers.
 */
final class Checks {
    private Checks() {
    }

    /** A context for a resource of {@code kind} named {@code default/r} whose spec has every field unset. */
    static ValidationContext context(ResourceKind kind) {
        return new ValidationContext(new Resource<>(kind, "networking.istio.io/v1", Metadata.of("r", "default"),
                emptySpec(kind.specType()), SourceInfo.NONE), Set.of());
    }

    /** What {@code rules} report against a DestinationRule context in namespace {@code default}. */
    static List<String> run(Consumer<ValidationContext> rules) {
        ValidationContext ctx = context(ResourceKind.DESTINATION_RULE);
        rules.accept(ctx);
        return render(ctx.problems());
    }

    static List<String> render(List<Problem> problems) {
        return problems.stream()
                .map(p -> (p.severity() == Severity.WARNING ? "warning: " : "") + p.path() + ": " + p.message())
                .toList();
    }

    /** Builds a spec record with every component null, so this helper does not depend on the record's shape. */
    private static Object emptySpec(Class<?> type) {
        try {
            RecordComponent[] components = type.getRecordComponents();
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
            }
            Constructor<?> ctor = type.getDeclaredConstructor(types);
            ctor.setAccessible(true);
            return ctor.newInstance(new Object[components.length]);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build an empty " + type.getSimpleName(), e);
        }
    }
}
