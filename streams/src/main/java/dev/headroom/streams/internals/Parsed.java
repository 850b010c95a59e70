package dev.headroom.streams.internals;

import dev.headroom.schemas.DeadLetter;

/** A record read from an input topic: either its value or the dead letter that explains why not. */
public record Parsed<T>(T value, DeadLetter deadLetter) {
  public boolean ok() {
    return value != null;
  }
}
