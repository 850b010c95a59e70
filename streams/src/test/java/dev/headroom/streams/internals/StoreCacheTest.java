package dev.headroom.streams.internals;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

class StoreCacheTest {
  private final Map<String, String> backing = new HashMap<>();
  private final Map<String, Integer> reads = new HashMap<>();

  @SuppressWarnings("unchecked")
  private final KeyValueStore<String, String> store = (KeyValueStore<String, String>) Proxy.newProxyInstance(
      getClass().getClassLoader(), new Class<?>[] {KeyValueStore.class}, (proxy, method, args) -> switch (method.getName()) {
        case "get" -> {
          reads.merge((String) args[0], 1, Integer::sum);
          yield backing.get((String) args[0]);
        }
        // as Kafka Streams' stores do, a null value deletes; their delete() is not offered here, since it
        // reads and decodes the old value, which the cache must not pay for
        case "put" -> args[1] == null ? backing.remove((String) args[0])
            : backing.put((String) args[0], (String) args[1]);
        default -> throw new UnsupportedOperationException(method.getName());
      });

  @Test
  void shouldWriteThroughAndReadFromMemory() {
    StoreCache<String> cache = new StoreCache<>(store, 10);
    cache.put("a", "1");
    assertThat(backing).containsEntry("a", "1");
    assertThat(cache.get("a")).isEqualTo("1");
    assertThat(reads).doesNotContainKey("a");

    backing.put("b", "2"); // restored from the changelog, say
    assertThat(cache.get("b")).isEqualTo("2");
    assertThat(cache.get("b")).isEqualTo("2");
    assertThat(reads).containsEntry("b", 1);

    cache.delete("a");
    assertThat(backing).doesNotContainKey("a");
    assertThat(cache.get("a")).isNull();
  }

  @Test
  void shouldForgetTheLeastRecentlyUsedBeyondItsBoundButNotTheStore() {
    StoreCache<String> cache = new StoreCache<>(store, 2);
    cache.put("a", "1");
    cache.put("b", "2");
    cache.get("a");
    cache.put("c", "3"); // b is the least recently used
    assertThat(cache.size()).isEqualTo(2);
    assertThat(cache.get("b")).isEqualTo("2");
    assertThat(reads).containsEntry("b", 1).doesNotContainKey("a");
  }

  @Test
  void shouldReadTheStoreAgainAfterForgettingOrClearing() {
    StoreCache<String> cache = new StoreCache<>(store, 10);
    cache.put("a", "1");
    backing.put("a", "other"); // what the store holds if a write failed after an in-place change
    cache.forget("a");
    assertThat(cache.get("a")).isEqualTo("other");
    backing.put("a", "restored");
    cache.clear();
    assertThat(cache.get("a")).isEqualTo("restored");
  }
}
