package dev.cairn.runtime;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** What a failure that came through futures says: the first cause past their wrappers. */
public final class Failures {
  private Failures() {}

  /** The first cause that is not an {@link ExecutionException} or {@link CompletionException}. */
  public static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The unwrapped cause's message, or the cause itself when it has none. */
  public static String message(Throwable e) {
    Throwable t = unwrap(e);
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
