package dev.headroom.collector.internals;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactionTest {
  @Test
  void shouldMaskLiteralsAndDollarBodiesButKeepNormalizedText() {
    assertThat(QueryRedaction.redact("SELECT * FROM t WHERE id = $1 AND name = $2"))
        .isEqualTo("SELECT * FROM t WHERE id = $1 AND name = $2");
    assertThat(QueryRedaction.redact("ALTER ROLE app PASSWORD 'it''s-secret'")).isEqualTo("ALTER ROLE app PASSWORD '***'");
    assertThat(QueryRedaction.redact("ALTER ROLE app PASSWORD E'a\\'b' VALID UNTIL 'infinity'"))
        .isEqualTo("ALTER ROLE app PASSWORD E'***' VALID UNTIL '***'");
    assertThat(QueryRedaction.redact("DO $$ BEGIN CREATE ROLE x PASSWORD 'p'; END $$"))
        .isEqualTo("DO '***'");
    assertThat(QueryRedaction.redact("CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1 $body$ LANGUAGE sql"))
        .isEqualTo("CREATE FUNCTION f() RETURNS int AS '***' LANGUAGE sql");
    assertThat(QueryRedaction.redact("SELECT a$b FROM t WHERE x = $10")).isEqualTo("SELECT a$b FROM t WHERE x = $10");
    // cut by the length limit inside a literal
    assertThat(QueryRedaction.redact("ALTER SYSTEM SET archive_command = 'aws s3 cp --secret AK")).isEqualTo(
        "ALTER SYSTEM SET archive_command = '***'");
    assertThat(QueryRedaction.redact(null)).isNull();
    // a quote inside an identifier or a comment must not shift what is masked
    assertThat(QueryRedaction.redact("ALTER ROLE \"o'brien\" PASSWORD 'hunter2'"))
        .isEqualTo("ALTER ROLE \"o'brien\" PASSWORD '***'").doesNotContain("hunter2");
    assertThat(QueryRedaction.redact("/* don't */ ALTER ROLE app PASSWORD 'hunter2' -- it's the new one\nSELECT 1"))
        .isEqualTo("/* */ ALTER ROLE app PASSWORD '***' /* */\nSELECT 1");
    assertThat(QueryRedaction.redact("SELECT \"a\"\"b\", 'x' /* a /* nested 'q */ c */ FROM t"))
        .isEqualTo("SELECT \"a\"\"b\", '***' /* */ FROM t");
    assertThat(QueryRedaction.redact("SELECT $1 - $2 / $3 FROM t")).isEqualTo("SELECT $1 - $2 / $3 FROM t");
  }

  @Test
  void shouldHideSecretsInSettings() {
    Map<String, Object> conninfo = new HashMap<>(Map.of("name", "primary_conninfo",
        "setting", "host=db1 user=rep password='s3 cr\\'et' sslmode=require"));
    SettingsRedaction.apply(conninfo);
    assertThat(conninfo.get("setting")).isEqualTo("host=db1 user=rep password=<redacted> sslmode=require");
    Map<String, Object> archive = new HashMap<>(Map.of("name", "archive_command", "setting", "wal-g push %p"));
    SettingsRedaction.apply(archive);
    assertThat(archive.get("setting")).isEqualTo("<redacted>");
    Map<String, Object> empty = new HashMap<>(Map.of("name", "restore_command", "setting", ""));
    SettingsRedaction.apply(empty);
    assertThat(empty.get("setting")).isEqualTo(""); // "not set" stays visible
    Map<String, Object> uri = new HashMap<>(Map.of("name", "primary_conninfo",
        "setting", "postgresql://rep:s3cret@db1:5432/postgres?sslmode=require"));
    SettingsRedaction.apply(uri);
    assertThat(uri.get("setting")).isEqualTo("postgresql://rep:<redacted>@db1:5432/postgres?sslmode=require");
    Map<String, Object> custom = new HashMap<>(Map.of("name", "app.settings.jwt_secret", "setting", "eyJhbGciOi"));
    SettingsRedaction.apply(custom);
    assertThat(custom.get("setting")).isEqualTo("<redacted>");
    Map<String, Object> extension = new HashMap<>(Map.of("name", "pg_stat_statements.max", "setting", "5000"));
    SettingsRedaction.apply(extension);
    assertThat(extension.get("setting")).isEqualTo("5000");
    Map<String, Object> plain = new HashMap<>(Map.of("name", "work_mem", "setting", "4096"));
    SettingsRedaction.apply(plain);
    assertThat(plain.get("setting")).isEqualTo("4096");
  }

  @Test
  void shouldPointTheUrlAtAnotherDatabaseKeepingItsParameters() {
    DatabaseUrls.Target t = DatabaseUrls.forDatabase("jdbc:postgresql://db1:5433,db2/postgres?sslmode=require", "my app");
    assertThat(t.url()).isEqualTo("jdbc:postgresql://db1:5433,db2:5432/my%20app");
    assertThat(t.parameters().getProperty("sslmode")).isEqualTo("require");
    assertThat(ServerInfo.extensionVersion("1.11")).isEqualTo(111);
    assertThat(ServerInfo.extensionVersion("1.8")).isEqualTo(108);
    assertThat(ServerInfo.extensionVersion(null)).isZero();
  }
}
