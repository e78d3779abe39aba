package io.proxyless.mesh.runtime.call;

/**
 * A mutable set of headers that {@link HeaderMutations} writes to: an OkHttp {@code Request.Builder}, gRPC
 * {@code Metadata}, a map in tests. Names are given as configured; implementations compare them
 * case-insensitively, as HTTP does.
 *
 * <pre>{@code
 * Request.Builder b = request.newBuilder();
 * HeaderMutations.applyRequest(decision, HeaderSink.of(b::header, b::addHeader, b::removeHeader));
 * }</pre>
 */
public interface HeaderSink {

    /** Replaces every value of {@code name} with {@code value} (adds it when absent). */
    void set(String name, String value);

    /** Adds {@code value} to {@code name}, keeping existing values. */
    void add(String name, String value);

    /** Removes every value of {@code name}. */
    void remove(String name);

    /** A sink from three functions. */
    static HeaderSink of(java.util.function.BiConsumer<String, String> set,
                         java.util.function.BiConsumer<String, String> add,
                         java.util.function.Consumer<String> remove) {
        return new HeaderSink() {
            @Override
            public void set(String name, String value) {
                set.accept(name, value);
            }

            @Override
            public void add(String name, String value) {
                add.accept(name, value);
            }

            @Override
            public void remove(String name) {
                remove.accept(name);
            }
        };
    }
}
