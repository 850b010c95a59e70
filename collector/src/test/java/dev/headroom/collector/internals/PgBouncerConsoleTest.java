package dev.headroom.collector.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PgBouncerConsoleTest {
  /** RFC 7677, section 3: the SCRAM-SHA-256 exchange for user "user" and password "pencil". */
  @Test
  void shouldComputeTheRfc7677Exchange() throws Exception {
    PgBouncerConsole.Scram scram = new PgBouncerConsole.Scram("pencil", "user", "rOprNGfwEbeRWgbNEkqO");
    assertThat(new String(scram.clientFirst(), StandardCharsets.UTF_8)).isEqualTo("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    byte[] clientFinal = scram.clientFinal(("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
        + "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096").getBytes(StandardCharsets.UTF_8));
    assertThat(new String(clientFinal, StandardCharsets.UTF_8)).isEqualTo("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCA"
        + "fuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    scram.verifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> scram.verifyServerFinal("v=AAAA".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("signature does not match");
  }

  @Test
  void shouldComputeMd5PasswordsAsPostgresDoes() {
    // the stored form of user postgres with password postgres is the well-known md53175bce1d3201d16594cebf9d7eb3f9d;
    // the client answers md5(that hex + the server's salt)
    byte[] salt = {1, 2, 3, 4};
    assertThat(PgBouncerConsole.md5Password("postgres", "postgres", salt))
        .isEqualTo("md5" + md5("3175bce1d3201d16594cebf9d7eb3f9d", salt))
        .isNotEqualTo(PgBouncerConsole.md5Password("postgres", "postgres", new byte[] {1, 2, 3, 5}));
  }

  private static String md5(String s, byte[] salt) {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("MD5");
      md.update(s.getBytes(StandardCharsets.UTF_8));
      md.update(salt);
      return java.util.HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
