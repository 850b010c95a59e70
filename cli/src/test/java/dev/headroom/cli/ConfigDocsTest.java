package dev.headroom.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.testkit.RepositoryRoot;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class ConfigDocsTest {
  @Test
  void theReadmeDocumentsEverySettingAsDeclared() throws Exception {
    String readme = Files.readString(RepositoryRoot.find().resolve("README.md"));
    ConfigDocs.components().forEach((component, def) -> assertThat(readme)
        .as("README.md holds the settings table of the %s (regenerate it with ConfigDocs)", component)
        .contains(ConfigDocs.table(def)));
  }
}
