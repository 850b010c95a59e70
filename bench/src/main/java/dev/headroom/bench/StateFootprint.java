package dev.headroom.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a Kafka Streams application keeps its state, in bytes per store: on local disk (the
 * state directory, RocksDB files and all) and on the broker (its changelog topics' logs).
 */
final class StateFootprint {
  private StateFootprint() {}

  /**
   * Bytes under {@code appDir} (state.dir/application.id) by store. Key-value stores live in
   * {@code <task>/rocksdb/<store>}, segmented window stores in {@code <task>/<store>}; files of
   * the task itself (checkpoint, lock) count as {@code (task files)}.
   */
  static Map<String, Long> local(Path appDir) throws IOException {
    Map<String, Long> byStore = new TreeMap<>();
    if (!Files.isDirectory(appDir)) {
      return byStore;
    }
    try (Stream<Path> files = Files.walk(appDir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Path rel = appDir.relativize(f);
        String store;
        if (rel.getNameCount() >= 3 && rel.getName(1).toString().equals("rocksdb")) {
          store = rel.getName(2).toString();
        } else if (rel.getNameCount() >= 3) {
          store = rel.getName(1).toString();
        } else {
          store = "(task files)";
        }
        byStore.merge(store, Files.size(f), Long::sum);
      }
    }
    return byStore;
  }

  /** Log bytes on the broker of the application's changelog topics, by store (the topic name less prefix and suffix). */
  static Map<String, Long> changelogs(Admin admin, String applicationId)
      throws InterruptedException, ExecutionException, TimeoutException {
    String prefix = applicationId + "-";
    String suffix = "-changelog";
    Map<String, Long> byStore = new TreeMap<>();
    for (Node node : admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)) {
      Map<Integer, Map<String, LogDirDescription>> dirs = admin.describeLogDirs(java.util.List.of(node.id()))
          .allDescriptions().get(30, TimeUnit.SECONDS);
      for (Map<String, LogDirDescription> perDir : dirs.values()) {
        for (LogDirDescription d : perDir.values()) {
          for (Map.Entry<TopicPartition, ReplicaInfo> r : d.replicaInfos().entrySet()) {
            String topic = r.getKey().topic();
            if (topic.startsWith(prefix) && topic.endsWith(suffix)) {
              byStore.merge(topic.substring(prefix.length(), topic.length() - suffix.length()), r.getValue().size(),
                  Long::sum);
            }
          }
        }
      }
    }
    return byStore;
  }
}
