package io.proxyless.mesh.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a record component that Istio still accepts but has deprecated. The loader accepts it and warns,
 * naming {@link #value() the replacement}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
public @interface DeprecatedField {
    /** What to use instead, e.g. {@code "mirrorPercentage"}; empty when there is no replacement. */
    String value();
}
