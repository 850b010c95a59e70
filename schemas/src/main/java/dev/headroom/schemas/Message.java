package dev.headroom.schemas;

/** Every value on a Headroom topic names its schema, e.g. {@code headroom.snapshot/1}. */
public interface Message {
  String schema();
}
