package io.proxyless.mesh.api.loader;

/**
 * The first line of a text that is longer than a limit, found in one pass before the text is parsed (see
 * {@link ConfigLoader#MAX_LINE_CHARS} for why).
 *
 * @param line   1-based line number, counted as YAML counts lines ({@code \n}, {@code \r\n} or {@code \r})
 * @param length the line's length in characters, without its line break
 */
record LongLine(int line, int length) {

    /** The first line of {@code text} longer than {@code limit} characters, or null when there is none. */
    static LongLine find(String text, int limit) {
        int line = 1;
        int start = 0;
        int n = text.length();
        for (int i = 0; i <= n; i++) {
            char c = i == n ? '\n' : text.charAt(i);
            if (c != '\n' && c != '\r') {
                continue;
            }
            if (i - start > limit) {
                return new LongLine(line, i - start);
            }
            if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                i++;
            }
            line++;
            start = i + 1;
        }
        return null;
    }
}
