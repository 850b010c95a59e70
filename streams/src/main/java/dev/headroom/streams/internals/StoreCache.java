package dev.headroom.streams.internals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A processor's memory of the values it last read from or wrote to its key-value store, written
 * through: a read finds the object itself instead of a RocksDB read and a decode. Bounded (the
 * least recently used entries are forgotten, the store still has them). The owner clears it when
 * its processor is initialized or closed: a task that is closed dirty and restored (an aborted
 * transaction) gets a fresh processor initialization, and so a cache that starts from the store.
 * A value the owner mutates in place must be {@link #forget forgotten} if the write that follows
 * fails.
 */
public final class StoreCache<V> {
  private final KeyValueStore<String, V> store;
  private final Map<String, V> recent;

  public StoreCache(KeyValueStore<String, V> store, int maxEntries) {
    this.store = store;
    this.recent = new LinkedHashMap<>(Math.min(maxEntries, 1 << 12), 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > maxEntries;
      }
    };
  }

  public V get(String key) {
    V value = recent.get(key);
    if (value == null) {
      value = store.get(key);
      if (value != null) {
        recent.put(key, value);
      }
    }
    return value;
  }

  public void put(String key, V value) {
    store.put(key, value);
    recent.put(key, value);
  }

  /**
   * Deletes the key. A put of null, not the store's delete: that one returns the old value, so
   * it reads and decodes what is being thrown away.
   */
  public void delete(String key) {
    recent.remove(key);
    store.put(key, null);
  }

  /** Drops the key from memory only (its value there may differ from the store's). */
  public void forget(String key) {
    recent.remove(key);
  }

  public void clear() {
    recent.clear();
  }

  public int size() {
    return recent.size();
  }
}
