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
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;

/**
 * Jackson's YAML parser with shortcuts the loader takes for every value of every file, each giving exactly what
 * Jackson gives:
 * <ul>
 *   <li>a token's line and offset read from the parser's event, where {@link #currentTokenLocation()} builds a
 *       location object per call (the reader asks for the line of every key and value);</li>
 *   <li>a plain scalar that YAML's implicit types cannot take for anything but a string is typed a string without
 *       matching it against them: Jackson matches every plain scalar against the regular expressions of the
 *       resolver it carries (a matcher and its state allocated per scalar, and up to three expressions for every
 *       address such as {@code 10.1.2.3});</li>
 *   <li>one mark per position of the text ({@link MarkSharingReader}).</li>
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
        // What the superclass's constructor builds, with a reader that shares its marks.
        super(context, parserFeatures, formatFeatures, null, reader, new ParserImpl(
                new MarkSharingReader(_constrainedReader(context, reader)),
                options == null ? new LoaderOptions() : options));
    }

    /**
     * SnakeYAML's character reader, handing out one mark for a position asked for more than once in a row. The
     * scanner asks for a mark (an immutable position: index, line, column, and the window of text it was taken
     * in, which only a syntax error's snippet reads) at the start and end of every token, for every possible
     * simple key and value indicator, most of them at the position it asked for last; at 10,000 services those
     * marks were a fifth of what a load allocated.
     */
    static final class MarkSharingReader extends StreamReader {
        private Mark last;

        MarkSharingReader(Reader reader) {
            super(reader);
        }

        @Override
        public Mark getMark() {
            Mark mark = last;
            if (mark == null || mark.getIndex() != getIndex()) {
                mark = super.getMark();
                last = mark;
            }
            return mark;
        }
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
