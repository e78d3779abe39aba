package io.proxyless.mesh.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of {@code mesh}: its exit status and everything it wrote to each stream. */
record CliRun(int status, String out, String err) {

    static CliRun mesh(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = MeshCommand.run(args, new PrintWriter(out), new PrintWriter(err));
        return new CliRun(status, normalize(out), normalize(err));
    }

    /** Line separators as {@code \n}, so expectations read the same on every platform. */
    private static String normalize(StringWriter text) {
        return text.toString().replace(System.lineSeparator(), "\n");
    }

    @Override
    public String toString() {
        return "exit " + status + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    }
}
