package dev.headroom.collector.logs;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.headroom.schemas.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the follower is: the first unread byte of a file, the file's identity token (empty until
 * its first record is complete) and its modification time when last seen (to find the files that
 * came after it if it disappears). Saved as JSON in the state file.
 */
record Position(String file, long offset, String token, long modifiedNanos) {
  static final String SCHEMA = "headroom.log-position/1";
  private static final Logger LOG = LoggerFactory.getLogger(Position.class);

  Position withOffset(long newOffset, String newToken, long newModifiedNanos) {
    return new Position(file, newOffset, newToken, newModifiedNanos);
  }

  /** The state file's content; {@code directory} and {@code format} tell a stale state file from this follower's. */
  record Saved(String schema, String directory, String format, String file, long offset, String token,
      long modifiedNanos) {}

  /** The saved position, when the state file exists and belongs to this directory and format. */
  static Optional<Position> load(Path stateFile, Path directory, String format) throws IOException {
    if (!Files.exists(stateFile)) {
      return Optional.empty();
    }
    Saved saved;
    try {
      saved = Json.mapper().readValue(Files.readAllBytes(stateFile), Saved.class);
    } catch (JsonProcessingException e) {
      throw new IOException("state file " + stateFile + " is not a saved log position (" + e.getOriginalMessage()
          + "); delete it to start over", e);
    }
    if (saved == null || !SCHEMA.equals(saved.schema()) || saved.file() == null || saved.offset() < 0) {
      throw new IOException("state file " + stateFile + " is not a saved log position; delete it to start over");
    }
    if (!directory.toString().equals(saved.directory()) || !format.equals(saved.format())) {
      LOG.warn("state file {} holds a position in the {} of {}, not the {} of {}: not used", stateFile,
          saved.format(), saved.directory(), format, directory);
      return Optional.empty();
    }
    return Optional.of(new Position(saved.file(), saved.offset(), saved.token() == null ? "" : saved.token(),
        saved.modifiedNanos()));
  }

  /** Replaces the state file atomically (write aside, force, rename), so a crash leaves the old or the new one. */
  void save(Path stateFile, Path directory, String format) throws IOException {
    byte[] json = Json.mapper().writeValueAsBytes(
        new Saved(SCHEMA, directory.toString(), format, file, offset, token, modifiedNanos));
    Path dir = stateFile.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve(stateFile.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buf = ByteBuffer.wrap(json);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING);
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true); // the rename itself survives a crash (Linux; elsewhere opening a directory may fail)
    } catch (IOException | UnsupportedOperationException e) {
      // best effort
    }
  }
}
