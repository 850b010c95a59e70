package dev.headroom.schemas;

import org.apache.kafka.common.serialization.Serde;

/** A topic of the contract: its name and how its keys and values are written. */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
  @Override
  public String toString() {
    return name;
  }
}
