package dev.headroom.collector.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
  private static final long ROOMY = 64L * 1024 * 1024;

  @TempDir Path dir;

  @Test
  void shouldKeepEntriesInOrderAcrossBatches() {
    try (Spool spool = Spool.open(dir, ROOMY)) {
      spool.append(entries("a", 0, 3));
      spool.append(entries("a", 3, 5));

      assertThat(strings(spool.head(100, ROOMY))).containsExactly("a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7");
      assertThat(strings(spool.head(3, ROOMY))).containsExactly("a0", "a1", "a2");
      assertThat(spool.records()).isEqualTo(8);
      assertThat(spool.bytes()).isEqualTo(16);
    }
  }

  @Test
  void shouldBoundTheHeadByBytesButAlwaysGiveOneEntry() {
    try (Spool spool = Spool.open(dir, ROOMY)) {
      spool.append(List.of(new byte[100], new byte[100], new byte[100]));

      assertThat(spool.head(10, 250)).hasSize(2);
      assertThat(spool.head(10, 10)).hasSize(1);
    }
  }

  @Test
  void shouldRemoveOnlyTheGivenEntries() {
    try (Spool spool = Spool.open(dir, ROOMY)) {
      spool.append(entries("r", 0, 5));
      List<Spool.Entry> head = spool.head(5, ROOMY);

      long removed = spool.remove(List.of(head.get(0).seq(), head.get(2).seq()));

      assertThat(removed).isEqualTo(4);
      assertThat(strings(spool.head(10, ROOMY))).containsExactly("r1", "r3", "r4");
      assertThat(spool.records()).isEqualTo(3);
      assertThat(spool.bytes()).isEqualTo(6);
    }
  }

  @Test
  void shouldReplayWhatIsLeftAfterReopenAndKeepAppendingBehindIt() {
    try (Spool spool = Spool.open(dir, ROOMY)) {
      spool.append(entries("p", 0, 4));
      spool.remove(List.of(spool.head(1, ROOMY).get(0).seq()));
    }
    try (Spool spool = Spool.open(dir, ROOMY)) {
      assertThat(spool.records()).isEqualTo(3);
      assertThat(spool.bytes()).isEqualTo(6);
      spool.append(entries("q", 0, 2));

      assertThat(strings(spool.head(10, ROOMY))).containsExactly("p1", "p2", "p3", "q0", "q1");
    }
  }

  @Test
  void shouldDropTheOldestWhenFullAndSayHowMany() {
    long max = SpoolOptions.MIN_MAX_BYTES; // room for 64 entries of 1 KiB
    try (Spool spool = Spool.open(dir, max)) {
      assertThat(spool.append(kib(0, 60)).records()).isZero();

      Spool.Dropped dropped = spool.append(kib(60, 10));

      assertThat(dropped.records()).isEqualTo(6);
      assertThat(dropped.bytes()).isEqualTo(6 * 1024);
      assertThat(spool.records()).isEqualTo(64);
      assertThat(spool.bytes()).isEqualTo(max);
      assertThat(firstInts(spool.head(100, max))).containsExactlyElementsOf(range(6, 70));
    }
    try (Spool spool = Spool.open(dir, max)) {
      assertThat(firstInts(spool.head(100, max))).containsExactlyElementsOf(range(6, 70));
    }
  }

  @Test
  void shouldDropPartOfTheNewBatchItselfWhenTheBatchAloneOverflows() {
    long max = SpoolOptions.MIN_MAX_BYTES;
    try (Spool spool = Spool.open(dir, max)) {
      spool.append(kib(0, 10));

      Spool.Dropped dropped = spool.append(kib(10, 70));

      assertThat(dropped.records()).isEqualTo(16);
      assertThat(firstInts(spool.head(100, max))).containsExactlyElementsOf(range(16, 80));
    }
  }

  @Test
  void shouldRefuseASecondSpoolOnTheSameDirectory() {
    try (Spool spool = Spool.open(dir, ROOMY)) {
      spool.append(entries("held", 0, 1));
      assertThatThrownBy(() -> Spool.open(dir, ROOMY))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(dir.resolve(Spool.FILE_NAME).toString());
    }
  }

  /**
   * A crash in the middle of a commit leaves a torn chunk at the end of the file; the store opens
   * at the last whole commit, so the batch is lost whole, never half.
   */
  @Test
  void shouldOpenAtTheLastWholeCommitWhenTheLastWriteIsTorn() throws IOException {
    Path live = dir.resolve("live");
    Path afterFirst = dir.resolve("after-first.spool");
    Path afterSecond = dir.resolve("after-second.spool");
    try (Spool spool = Spool.open(live, ROOMY)) {
      spool.append(entries("first", 0, 3));
      Files.copy(spool.file(), afterFirst); // what a crash right after the first commit leaves
      spool.append(entries("second", 0, 3));
      Files.copy(spool.file(), afterSecond);
    }
    long firstLength = Files.size(afterFirst);
    long secondLength = Files.size(afterSecond);
    assertThat(secondLength).as("the second commit appends a chunk").isGreaterThan(firstLength);

    Path torn = dir.resolve("torn");
    Files.createDirectories(torn);
    byte[] bytes = Files.readAllBytes(afterSecond);
    Files.write(torn.resolve(Spool.FILE_NAME), Arrays.copyOf(bytes, (int) (firstLength + (secondLength - firstLength) / 2)));

    try (Spool spool = Spool.open(torn, ROOMY)) {
      assertThat(strings(spool.head(100, ROOMY))).containsExactly("first0", "first1", "first2");
      spool.append(entries("third", 0, 1));
      assertThat(strings(spool.head(100, ROOMY))).containsExactly("first0", "first1", "first2", "third0");
    }
  }

  /**
   * Crash consistency once the store reuses freed space: for commits in the middle of a long run
   * of appends and removals, a write torn at any point opens as the commit before it or as the
   * commit itself, whole.
   */
  @Test
  void shouldOpenAsTheLastOrThePreviousCommitAfterATornWriteWhileReusingSpace() throws IOException {
    Path live = dir.resolve("live");
    Random random = new Random(42);
    int checked = 0;
    try (Spool spool = Spool.open(live, SpoolOptions.MIN_MAX_BYTES)) {
      for (int i = 0; i < 260; i++) {
        byte[] before = i >= 200 ? Files.readAllBytes(spool.file()) : null;
        List<String> expectedBefore = strings(spool.head(1000, ROOMY));
        if (i % 3 == 2) {
          spool.remove(spool.head(4, ROOMY).stream().map(Spool.Entry::seq).toList());
        } else {
          spool.append(entries("c" + i + "-" + "x".repeat(900), 0, 5));
        }
        if (before == null) {
          continue;
        }
        byte[] after = Files.readAllBytes(spool.file());
        List<String> expectedAfter = strings(spool.head(1000, ROOMY));
        for (int tear = 0; tear < 3; tear++) {
          byte[] torn = tear(before, after, tear == 0 ? 1.0 : random.nextDouble());
          Path copy = dir.resolve("torn-" + i + "-" + tear);
          Files.createDirectories(copy);
          Files.write(copy.resolve(Spool.FILE_NAME), torn);
          try (Spool reopened = Spool.open(copy, SpoolOptions.MIN_MAX_BYTES)) {
            assertThat(strings(reopened.head(1000, ROOMY))).as("commit %d, tear %d", i, tear)
                .isIn(expectedBefore, expectedAfter);
          }
          checked++;
        }
      }
      assertThat(Files.size(spool.file())).as("the file stays within a few times maxBytes")
          .isLessThan(8 * SpoolOptions.MIN_MAX_BYTES);
    }
    assertThat(checked).isEqualTo(180);
  }

  /**
   * The file as a crash in the middle of the write from {@code before} to {@code after} may leave
   * it: that share of the changed bytes past the two header blocks written (the file already at
   * its new length), the header blocks as they were.
   */
  private static byte[] tear(byte[] before, byte[] after, double share) {
    byte[] torn = Arrays.copyOf(before, after.length);
    List<Integer> changed = new ArrayList<>();
    for (int i = 2 * 4096; i < after.length; i++) {
      if (i >= before.length || before[i] != after[i]) {
        changed.add(i);
      }
    }
    int written = (int) (changed.size() * share);
    for (int k = 0; k < written; k++) {
      torn[changed.get(k)] = after[changed.get(k)];
    }
    return torn;
  }

  @Test
  void shouldIgnoreGarbageWrittenPastTheLastCommit() throws IOException {
    Path live = dir.resolve("live");
    Path copy = dir.resolve("copy");
    Files.createDirectories(copy);
    try (Spool spool = Spool.open(live, ROOMY)) {
      spool.append(entries("kept", 0, 3));
      Files.copy(spool.file(), copy.resolve(Spool.FILE_NAME), StandardCopyOption.REPLACE_EXISTING);
    }
    byte[] garbage = new byte[8192];
    Arrays.fill(garbage, (byte) 0x5a);
    Files.write(copy.resolve(Spool.FILE_NAME), garbage, java.nio.file.StandardOpenOption.APPEND);

    try (Spool spool = Spool.open(copy, ROOMY)) {
      assertThat(strings(spool.head(100, ROOMY))).containsExactly("kept0", "kept1", "kept2");
    }
  }

  private static List<byte[]> entries(String prefix, int from, int count) {
    return IntStream.range(from, from + count)
        .mapToObj(i -> (prefix + i).getBytes(StandardCharsets.UTF_8)).toList();
  }

  /** 1 KiB entries whose first four bytes carry their number. */
  private static List<byte[]> kib(int from, int count) {
    List<byte[]> list = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      byte[] entry = new byte[1024];
      java.nio.ByteBuffer.wrap(entry).putInt(i);
      list.add(entry);
    }
    return list;
  }

  private static List<String> strings(List<Spool.Entry> head) {
    return head.stream().map(e -> new String(e.bytes(), StandardCharsets.UTF_8)).toList();
  }

  private static List<Integer> firstInts(List<Spool.Entry> head) {
    return head.stream().map(e -> java.nio.ByteBuffer.wrap(e.bytes()).getInt()).toList();
  }

  private static List<Integer> range(int from, int to) {
    return IntStream.range(from, to).boxed().toList();
  }
}
