package dev.headroom.schemas;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** A message that could not be read, with where it came from and why ({@code headroom.deadletter.v1}). */
public record DeadLetter(
    String schema, String sourceTopic, int partition, long offset, String key, String error, String payload, Instant at)
    implements Message {

  public static final String SCHEMA = "headroom.deadletter/1";
  /** Dead letters keep the start of the bad payload only; the offset points at the whole. */
  public static final int MAX_PAYLOAD_CHARS = 16 * 1024;

  public static DeadLetter of(String topic, int partition, long offset, String key, byte[] payload, String error, Instant at) {
    String text = payload == null ? null : new String(payload, StandardCharsets.UTF_8);
    if (text != null && text.length() > MAX_PAYLOAD_CHARS) {
      text = text.substring(0, MAX_PAYLOAD_CHARS);
    }
    return new DeadLetter(SCHEMA, topic, partition, offset, key, error == null ? "unknown error" : error, text, at);
  }
}
