package dev.headroom.collector.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.collector.logs.LogRecordScanner.Raw;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link LogRecordScanner}: record boundaries at exact byte offsets, unfinished records, the size cap. */
class DurationLogScannerTest {

  @Test
  void shouldKeepAQuotedMultiLineCsvRecordWholeAtExactOffsets() throws IOException {
    String first = "a,\"x, \"\"y\"\"\nz\",b\n";
    String second = "c,\"é\",d\n"; // a two-byte character: offsets are bytes, not chars
    String third = "e\n";
    Scan scan = scan(first + second + third, 0, true, 1024);

    assertThat(scan.texts()).containsExactly(first, second, third);
    assertThat(scan.records.get(1).offset()).isEqualTo(first.getBytes(StandardCharsets.UTF_8).length);
    assertThat(scan.records.get(2).offset()).isEqualTo((first + second).getBytes(StandardCharsets.UTF_8).length);
    assertThat(scan.resume).isEqualTo((first + second + third).getBytes(StandardCharsets.UTF_8).length);
    assertThat(scan.endedInside).isFalse();
  }

  @Test
  void shouldLeaveAnUnfinishedRecordForTheNextRead() throws IOException {
    String done = "a,b\n";
    // the server is mid-write: inside a quoted field whose newline is already out
    Scan scan = scan(done + "c,\"statement line one\nline two", 0, true, 1024);

    assertThat(scan.texts()).containsExactly(done);
    assertThat(scan.resume).isEqualTo(done.length());
    assertThat(scan.endedInside).isTrue();
  }

  @Test
  void shouldNotTreatAQuoteAsSpecialInJsonlog() throws IOException {
    String a = "{\"message\":\"say \\\"hi\\\"\"}\n";
    String b = "{\"message\":\"unbalanced \\\" quote\"}\n";
    Scan scan = scan(a + b + "{\"partial", 0, false, 1024);

    assertThat(scan.texts()).containsExactly(a, b);
    assertThat(scan.endedInside).isTrue();
  }

  @Test
  void shouldStartAtTheGivenOffset() throws IOException {
    String a = "a,b\n";
    String b = "c,d\n";
    Scan scan = scan(b, a.length(), true, 1024); // the channel is already positioned past a

    assertThat(scan.records).singleElement().satisfies(r -> {
      assertThat(r.offset()).isEqualTo(a.length());
      assertThat(r.end()).isEqualTo(a.length() + b.length());
    });
  }

  @Test
  void shouldSkipAnOverLongRecordWithoutHoldingItAndGoOn() throws IOException {
    String longOne = "x,\"" + "y".repeat(300_000) + "\n" + "z".repeat(100_000) + "\"\n"; // spans many chunks
    String next = "a,b\n";
    Scan scan = scan(longOne + next, 0, true, 1024);

    assertThat(scan.records).hasSize(2);
    assertThat(scan.records.get(0).overLong()).isTrue();
    assertThat(scan.records.get(0).end()).isEqualTo(longOne.length());
    assertThat(scan.texts().get(1)).isEqualTo(next);
  }

  @Test
  void shouldReturnARecordOfExactlyTheCapAndSkipOneByteMore() throws IOException {
    String exact = "a".repeat(1023) + "\n";
    String over = "b".repeat(1024) + "\n";
    Scan scan = scan(exact + over, 0, true, 1024);

    assertThat(scan.records.get(0).overLong()).isFalse();
    assertThat(scan.records.get(1).overLong()).isTrue();
  }

  @Test
  void shouldKeepOnlyBoundariesWhenAskedForNoBytes() throws IOException {
    Scan scan = scan("a\nb\"\n\"\nc", 0, true, 0);

    assertThat(scan.records).extracting(Raw::end).containsExactly(2L, 7L);
    assertThat(scan.resume).isEqualTo(7);
  }

  @Test
  void shouldRecogniseBlankLines() throws IOException {
    Scan scan = scan("\n\r\na\n", 0, true, 1024);

    assertThat(scan.records).extracting(Raw::blank).containsExactly(true, true, false);
  }

  private record Scan(List<Raw> records, long resume, boolean endedInside) {
    List<String> texts() {
      return records.stream().map(r -> r.bytes() == null ? null : new String(r.bytes(), StandardCharsets.UTF_8)).toList();
    }
  }

  private static Scan scan(String content, long offset, boolean quoted, int max) throws IOException {
    ReadableByteChannel ch = Channels.newChannel(new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)));
    LogRecordScanner scanner = new LogRecordScanner(ch, offset, quoted, max);
    List<Raw> out = new ArrayList<>();
    Raw r;
    while ((r = scanner.next()) != null) {
      out.add(r);
    }
    return new Scan(out, scanner.resumeOffset(), scanner.endedInsideRecord());
  }
}
