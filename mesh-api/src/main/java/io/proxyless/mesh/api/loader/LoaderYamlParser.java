package io.proxyless.mesh.api.loader;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactoryBuilder;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.Reader;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.events.ScalarEvent;

/**
 * Jackson's YAML parser with two shortcuts the loader takes for every value of every file, both giving exactly what
 * Jackson gives:
 * <ul>
 *   <li>a token's line and offset read from the parser's event, where {@link #currentTokenLocation()} builds a
 *       location object per call (the reader asks for the line of every key and value);</li>
 *   <li>a plain scalar that YAML's implicit types cannot take for anything but a string is typed a string without
 *       matching it against them: Jackson matches every plain scalar against the regular expressions of the
 *       resolver it carries (a matcher and its state allocated per scalar, and up to three expressions for every
 *       address such as {@code 10.1.2.3}).</li>
 * </ul>
 */
final class LoaderYamlParser extends YAMLParser {
    /**
     * The first characters for which the resolver (SnakeYAML's YAML 1.1 implicit types: bool, int, float, merge,
     * null, timestamp and the '!&*' placeholder) has any expression to match, and ' ': the expressions it tries
     * whatever the first character (null and empty) match only values starting with '~', 'n', 'N' or ' ', or
     * empty. A non-empty plain scalar starting with any other character resolves to a string.
     */
    private static final String IMPLICIT_FIRST = "yYnNtTfFoO-+0123456789.<~!&* ";

    private LoaderYamlParser(IOContext context, int parserFeatures, int formatFeatures, LoaderOptions options,
                             Reader reader) {
        super(context, parserFeatures, formatFeatures, options, null, reader);
    }

    /** The 1-based line the current token starts on, as {@code currentTokenLocation().getLineNr()} gives it. */
    int tokenLine() {
        Mark mark = _lastEvent == null ? null : _lastEvent.getStartMark();
        return mark == null ? -1 : mark.getLine() + 1;
    }

    /** The character offset the current token starts at, as {@code currentTokenLocation().getCharOffset()}. */
    int tokenOffset() {
        Mark mark = _lastEvent == null ? null : _lastEvent.getStartMark();
        return mark == null ? -1 : mark.getIndex();
    }

    @Override
    protected JsonToken _decodeScalar(ScalarEvent scalar) throws IOException {
        String value = scalar.getValue();
        String tag = scalar.getTag();
        if ((tag == null || tag.equals("!")) && !value.isEmpty() && scalar.getImplicit().canOmitTagInPlainScalar()
                && plainString(value)) {
            // What the superclass sets and returns for a scalar it resolved to a string.
            _textValue = value;
            _cleanedTextValue = null;
            return JsonToken.VALUE_STRING;
        }
        return super._decodeScalar(scalar);
    }

    /**
     * True when the implicit types certainly resolve non-empty {@code value} to a string: its first character
     * starts none of them, or it is a dotted address (digits and at least two dots: no integer has a dot, a float
     * has at most one outside a sexagesimal one's ':', a timestamp has '-').
     */
    static boolean plainString(String value) {
        char first = value.charAt(0);
        if (IMPLICIT_FIRST.indexOf(first) < 0) {
            return true;
        }
        if (first < '0' || first > '9') {
            return false;
        }
        int dots = 0;
        for (int i = 1; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '.') {
                dots++;
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return dots >= 2;
    }

    /** Jackson's YAML factory making {@link LoaderYamlParser}s for text read through a {@link Reader}. */
    static final class Factory extends YAMLFactory {
        private static final long serialVersionUID = 1L;

        Factory(YAMLFactoryBuilder builder) {
            super(builder);
        }

        @Override
        protected YAMLParser _createParser(Reader reader, IOContext context) {
            return new LoaderYamlParser(context, _parserFeatures, _yamlParserFeatures, _loaderOptions, reader);
        }
    }
}
