package io.proxyless.mesh.api;

/**
 * Where a resource came from: the file as the user named it (or as found under a named directory), and the
 * line of every field inside it. {@code file} is null for resources that did not come from a file.
 */
public record SourceInfo(String file, FieldLocations locations) {
    public static final SourceInfo NONE = new SourceInfo(null, FieldLocations.NONE);

    public int line() {
        return locations.documentLine();
    }

    /** {@code file:line}, as used in messages that point at a second location. */
    public String describe() {
        return (file == null ? "<unknown>" : file) + (line() > 0 ? ":" + line() : "");
    }
}
