package containerlabs.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Where the guide explains what a verification test checks: {@code ./lab test N} names that
 * section under the test's failure. Each value is the title of a section in the lab's own
 * chapter ("What you should observe") or an anchor anywhere in the guide ("engine"). On a
 * test class it holds for the tests that have none of their own. GuideReferencesTest checks
 * that every one names a section that exists.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
public @interface Guide {
  String[] value();
}
