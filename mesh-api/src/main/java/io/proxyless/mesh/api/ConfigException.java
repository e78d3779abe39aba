package io.proxyless.mesh.api;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Configuration could not be used. Carries every problem found in one pass (errors and the warnings seen
 * alongside them), sorted by location, so a user can fix them all at once.
 *
 * <pre>{@code
 * try {
 *     LoadedConfig config = ConfigLoader.create().loadOrThrow(List.of(Path.of("mesh/")));
 * } catch (ConfigException e) {
 *     e.problems().forEach(p -> System.err.println(p.format()));
 * }
 * }</pre>
 */
public class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<Problem> problems;

    public ConfigException(List<Problem> problems) {
        super(summary(problems));
        this.problems = problems.stream().sorted(Problem.BY_LOCATION).toList();
    }

    public ConfigException(Problem problem) {
        this(List.of(problem));
    }

    /** All problems, errors and warnings, sorted by file and line. */
    public List<Problem> problems() {
        return problems;
    }

    /** Only the problems that keep config from being applied ({@link Problem#blocksConfig()}). */
    public List<Problem> errors() {
        return problems.stream().filter(Problem::blocksConfig).toList();
    }

    private static String summary(List<Problem> problems) {
        List<Problem> errors = problems.stream().filter(Problem::blocksConfig).sorted(Problem.BY_LOCATION).toList();
        List<Problem> shown = errors.isEmpty() ? problems : errors;
        return shown.size() + (errors.isEmpty() ? " problem(s)" : " configuration error(s)") + ":\n"
                + shown.stream().sorted(Problem.BY_LOCATION).map(Problem::format).collect(Collectors.joining("\n"));
    }
}
