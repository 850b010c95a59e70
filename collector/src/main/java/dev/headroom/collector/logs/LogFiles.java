package dev.headroom.collector.logs;

import dev.headroom.collector.logs.DurationLogFollower.Format;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/** The server's log files of one format in the log directory, and what the follower needs to know of each. */
final class LogFiles {
  /** Bytes at the head of a file that identify its incarnation: they hold the first entry's millisecond time. */
  static final int TOKEN_BYTES = 64;

  /** One regular file, as listed. */
  record LogFile(Path path, String name, long size, long modifiedNanos) {}

  /**
   * Oldest first: by modification time, then name. Names alone do not order files when
   * {@code log_filename} reuses them ({@code postgresql-%a.csv} with log_truncate_on_rotation).
   */
  static final Comparator<LogFile> ORDER =
      Comparator.comparingLong(LogFile::modifiedNanos).thenComparing(LogFile::name);

  private LogFiles() {}

  /** The format's files, oldest first; empty when the directory does not exist (yet). */
  static List<LogFile> list(Path directory, Format format) throws IOException {
    List<LogFile> files = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(directory, "*" + format.extension())) {
      for (Path p : dir) {
        BasicFileAttributes a;
        try {
          a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
          continue; // removed since listed
        }
        if (a.isRegularFile()) {
          files.add(new LogFile(p, p.getFileName().toString(), a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      return List.of();
    }
    files.sort(ORDER);
    return files;
  }

  /**
   * A short hash of the file's first bytes, up to the end of its first record or {@link #TOKEN_BYTES}:
   * a pure function of the content, so the same on every read, and different once the name holds a
   * new file (rotation with truncation, deletion and re-creation). Empty while the file holds less
   * than that (a first record still being written).
   */
  static Optional<String> token(Path file, boolean quoted) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(TOKEN_BYTES);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (head.hasRemaining() && ch.read(head) > 0) {
        // keep reading: a channel may return fewer bytes than asked
      }
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    byte[] a = head.array();
    int n = head.position();
    boolean inQuotes = false;
    int len = -1;
    for (int i = 0; i < n; i++) {
      if (a[i] == '"') {
        inQuotes = quoted && !inQuotes;
      } else if (a[i] == '\n' && !inQuotes) {
        len = i + 1;
        break;
      }
    }
    if (len < 0) {
      if (n < TOKEN_BYTES) {
        return Optional.empty();
      }
      len = TOKEN_BYTES;
    }
    CRC32C crc = new CRC32C();
    crc.update(a, 0, len);
    return Optional.of(HexFormat.of().toHexDigits((int) crc.getValue()));
  }

  /** Offset just past the file's last complete record: where a follower that skips history starts. */
  static long endOfCompleteRecords(Path file, boolean quoted) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      LogRecordScanner scanner = new LogRecordScanner(ch, 0, quoted, 0);
      while (scanner.next() != null) {
        // boundaries only: nothing is kept
      }
      return scanner.resumeOffset();
    }
  }
}
