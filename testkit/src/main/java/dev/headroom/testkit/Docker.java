package dev.headroom.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;

/** Whether a Docker engine is reachable, so fixtures can choose containers or local real services. */
final class Docker {
  private static Boolean available;

  private Docker() {}

  static synchronized boolean available() {
    if (available == null) {
      // Asking Testcontainers without any engine in sight costs seconds of probing; look first.
      boolean socket = Files.exists(Path.of("/var/run/docker.sock")) || System.getenv("DOCKER_HOST") != null;
      available = socket && !"false".equals(System.getProperty("headroom.docker"))
          && DockerClientFactory.instance().isDockerAvailable();
    }
    return available;
  }
}
