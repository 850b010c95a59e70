package dev.headroom.streams.findings;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopStatementsTest {
  @Test
  void shouldFlattenWhitespaceAndCutLongQueries() {
    assertThat(TopStatements.abbreviate("  SELECT *\n\tFROM  items\r\nWHERE id = $1  \n")).isEqualTo(
        "SELECT * FROM items WHERE id = $1");
    assertThat(TopStatements.abbreviate("")).isEmpty();
    assertThat(TopStatements.abbreviate(" \n ")).isEmpty();
    String exact = "x".repeat(160);
    assertThat(TopStatements.abbreviate(exact + "   ")).isEqualTo(exact);
    String longer = "SELECT " + "a, ".repeat(100) + "b FROM t";
    String flat = longer.replaceAll("\\s+", " ").trim();
    assertThat(TopStatements.abbreviate(longer.replace(" ", "\n  "))).hasSize(160)
        .isEqualTo(flat.substring(0, 159) + "…");
  }
}
