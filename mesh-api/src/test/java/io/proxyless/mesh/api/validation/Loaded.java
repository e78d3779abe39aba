package io.proxyless.mesh.api.validation;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.loader.ConfigLoader;
import java.util.List;

/**
 * Loads one resource from YAML through the real {@link ConfigLoader} and returns its problems as
 * {@link Problem#format()} lines. The document is {@code apiVersion}, {@code kind}, {@code metadata.name} on
 * lines 1–4 and {@code spec:} on line 5, so the spec text given starts on <b>line 6</b>. Findings of the
 * cross-resource analyses (with an IST code) are left out: these tests are about one resource's validation, and
 * a lone resource names hosts nothing defines.
 */
final class Loaded {
    private Loaded() {
    }

    /** Every problem (errors and warnings, from the loader and from validation). */
    static List<String> problems(String file, String kind, String name, String spec) {
        return load(file, kind, name, spec).stream().map(Problem::format).toList();
    }

    /**
     * Errors only: for cases where the loader also warns about the fields involved (deprecated or not supported
     * by the client-side mesh), which is not what these tests are about.
     */
    static List<String> errors(String file, String kind, String name, String spec) {
        return load(file, kind, name, spec).stream().filter(Problem::isError).map(Problem::format).toList();
    }

    private static List<Problem> load(String file, String kind, String name, String spec) {
        String apiVersion = ResourceKind.byKindName(kind).map(ResourceKind::apiVersion).orElse("networking.istio.io/v1");
        String doc = "apiVersion: " + apiVersion + "\n"
                + "kind: " + kind + "\n"
                + "metadata:\n"
                + "  name: " + name + "\n"
                + "spec:\n"
                + spec.indent(2);
        return ConfigLoader.create().loadString(file, doc).problems().stream().filter(p -> p.code() == null)
                .toList();
    }
}
