package io.proxyless.mesh.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a record component that is parsed and kept, but not acted on by the client-side mesh. Setting it
 * produces a warning naming the field and {@link #value() the reason}; it is also listed in
 * {@code docs/support-matrix.md}. Unsupported is loud, never silent.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
public @interface NotSupported {
    /** Why the field has no effect, e.g. {@code "CORS is enforced by servers, not by an outbound client"}. */
    String value();
}
