package dev.headroom.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's root folder, found from the working directory of a module's test run. */
public final class RepositoryRoot {
  private RepositoryRoot() {}

  public static Path find() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.exists(dir.resolve("scripts/timescaledb.sh")) && Files.exists(dir.resolve("pom.xml"))) {
        return dir;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("cannot find the repository root (scripts/timescaledb.sh) above "
        + Path.of("").toAbsolutePath());
  }
}
