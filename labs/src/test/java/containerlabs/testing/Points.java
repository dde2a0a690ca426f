package containerlabs.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a verification test is worth in a grade. A test without it is worth nothing: it
 * checks something the handout's stub does not change (a usage error, the image tool…).
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
public @interface Points {
  int value();
}
