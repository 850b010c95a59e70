package dev.headroom.collector.internals;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A client for PgBouncer's admin console that speaks just enough of the PostgreSQL protocol:
 * startup, password authentication (cleartext, md5, SCRAM-SHA-256) and simple queries.
 * Written here because pgjdbc 42.7.x cannot talk to the console of PgBouncer before 1.25: the
 * console reports PgBouncer's own version as server_version, so the driver sends
 * {@code SET extra_float_digits}, which the console refuses ("SET failed", pgbouncer#1509).
 * Plain TCP only: run the agent beside the pooler or on a trusted network.
 */
public final class PgBouncerConsole implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;

  private PgBouncerConsole(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
    this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
  }

  /** Connects and authenticates; {@code timeoutMs} bounds the connect and every read. */
  public static PgBouncerConsole connect(String host, int port, String database, String user, String password,
      int timeoutMs) throws SQLException {
    Socket socket = new Socket();
    try {
      socket.connect(new InetSocketAddress(host, port), timeoutMs);
      socket.setSoTimeout(timeoutMs);
      PgBouncerConsole console = new PgBouncerConsole(socket);
      console.startup(database, user, password);
      return console;
    } catch (IOException e) {
      closeQuietly(socket);
      throw new SQLException("cannot reach PgBouncer at " + host + ":" + port + ": " + e.getMessage(), "08001", e);
    } catch (SQLException | RuntimeException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  private void startup(String database, String user, String password) throws IOException, SQLException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    DataOutputStream b = new DataOutputStream(body);
    b.writeInt(196608); // protocol 3.0
    for (String[] kv : new String[][] {{"user", user}, {"database", database}, {"application_name", "headroom-collector"}}) {
      b.write(cstring(kv[0]));
      b.write(cstring(kv[1]));
    }
    b.write(0);
    out.writeInt(body.size() + 4);
    out.write(body.toByteArray());
    out.flush();
    Scram scram = null;
    while (true) {
      int type = in.readUnsignedByte();
      byte[] message = readBody();
      switch (type) {
        case 'R' -> {
          DataInputStream m = new DataInputStream(new java.io.ByteArrayInputStream(message));
          int code = m.readInt();
          switch (code) {
            case 0 -> {
              // authenticated; after SCRAM only once the server proved it knows the password too
              if (scram != null && !scram.verified()) {
                throw new SQLException("SCRAM: the server did not send its final message", "28000");
              }
            }
            case 3 -> sendPassword('p', cstring(requirePassword(password)));
            case 5 -> {
              byte[] salt = m.readNBytes(4);
              sendPassword('p', cstring(md5Password(user, requirePassword(password), salt)));
            }
            case 10 -> {
              String mechanisms = new String(message, 4, message.length - 4, StandardCharsets.UTF_8);
              if (!mechanisms.contains("SCRAM-SHA-256")) {
                throw new SQLException("PgBouncer offers no supported SASL mechanism: " + mechanisms.trim(), "28000");
              }
              scram = new Scram(requirePassword(password));
              byte[] first = scram.clientFirst();
              ByteArrayOutputStream sasl = new ByteArrayOutputStream();
              DataOutputStream s = new DataOutputStream(sasl);
              s.write(cstring("SCRAM-SHA-256"));
              s.writeInt(first.length);
              s.write(first);
              sendPassword('p', sasl.toByteArray());
            }
            case 11 -> sendPassword('p', scram.clientFinal(m.readAllBytes()));
            case 12 -> scram.verifyServerFinal(m.readAllBytes());
            default -> throw new SQLException("unsupported authentication request " + code + " from PgBouncer", "28000");
          }
        }
        case 'E' -> throw error(message);
        case 'Z' -> {
          return;
        }
        default -> { } // ParameterStatus, BackendKeyData, notices
      }
    }
  }

  /** Runs one console command (a constant such as SHOW POOLS) and returns its rows, integers as longs. */
  public List<Map<String, Object>> show(String command) throws SQLException {
    try {
      byte[] query = cstring(command);
      out.writeByte('Q');
      out.writeInt(query.length + 4);
      out.write(query);
      out.flush();
      List<String> names = new ArrayList<>();
      List<Integer> types = new ArrayList<>();
      List<Map<String, Object>> rows = new ArrayList<>();
      SQLException failure = null;
      while (true) {
        int type = in.readUnsignedByte();
        byte[] message = readBody();
        DataInputStream m = new DataInputStream(new java.io.ByteArrayInputStream(message));
        switch (type) {
          case 'T' -> {
            int n = m.readUnsignedShort();
            for (int i = 0; i < n; i++) {
              names.add(readCString(m));
              m.readInt(); // table oid
              m.readShort(); // column number
              types.add(m.readInt());
              m.skipBytes(8); // type size, modifier, format
            }
          }
          case 'D' -> {
            int n = m.readUnsignedShort();
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
              int length = m.readInt();
              String text = length < 0 ? null : new String(m.readNBytes(length), StandardCharsets.UTF_8);
              row.put(names.get(i), value(text, types.get(i)));
            }
            rows.add(row);
          }
          case 'E' -> failure = error(message);
          case 'Z' -> {
            if (failure != null) {
              throw failure;
            }
            return rows;
          }
          default -> { } // CommandComplete, notices
        }
      }
    } catch (IOException e) {
      throw new SQLException("PgBouncer console read failed: " + e.getMessage(), "08006", e);
    }
  }

  private static Object value(String text, int typeOid) {
    if (text == null) {
      return null;
    }
    try {
      return switch (typeOid) {
        case 20, 21, 23, 26 -> Long.parseLong(text);
        case 700, 701, 1700 -> Double.parseDouble(text);
        default -> text;
      };
    } catch (NumberFormatException e) {
      return text;
    }
  }

  private byte[] readBody() throws IOException {
    int length = in.readInt();
    if (length < 4 || length > 64 * 1024 * 1024) {
      throw new IOException("bad message length " + length);
    }
    return in.readNBytes(length - 4);
  }

  private void sendPassword(char type, byte[] body) throws IOException {
    out.writeByte(type);
    out.writeInt(body.length + 4);
    out.write(body);
    out.flush();
  }

  private static String requirePassword(String password) throws SQLException {
    if (password == null) {
      throw new SQLException("PgBouncer asks for a password and none is configured (pgbouncer.password)", "28000");
    }
    return password;
  }

  private static SQLException error(byte[] message) {
    Map<Character, String> fields = new HashMap<>();
    int i = 0;
    while (i < message.length && message[i] != 0) {
      char code = (char) message[i++];
      int end = i;
      while (end < message.length && message[end] != 0) {
        end++;
      }
      fields.put(code, new String(message, i, end - i, StandardCharsets.UTF_8));
      i = end + 1;
    }
    return new SQLException("PgBouncer: " + fields.getOrDefault('M', "error"), fields.get('C'));
  }

  static String md5Password(String user, String password, byte[] salt) {
    String inner = md5Hex((password + user).getBytes(StandardCharsets.UTF_8));
    byte[] outer = new byte[32 + salt.length];
    System.arraycopy(inner.getBytes(StandardCharsets.US_ASCII), 0, outer, 0, 32);
    System.arraycopy(salt, 0, outer, 32, salt.length);
    return "md5" + md5Hex(outer);
  }

  private static String md5Hex(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] cstring(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[bytes.length + 1];
    System.arraycopy(bytes, 0, out, 0, bytes.length);
    return out;
  }

  private static String readCString(DataInputStream m) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int c;
    while ((c = m.read()) > 0) {
      bytes.write(c);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() {
    try {
      out.writeByte('X');
      out.writeInt(4);
      out.flush();
    } catch (IOException ignored) {
      // the pooler went away first
    }
    closeQuietly(socket);
  }

  /** SCRAM-SHA-256 without channel binding (RFC 5802, RFC 7677), as PostgreSQL uses it. */
  static final class Scram {
    private final String password;
    private final String user;
    private final String clientNonce;
    private String clientFirstBare;
    private byte[] expectedServerSignature;
    private boolean verified;

    Scram(String password) {
      this(password, "", nonce()); // PostgreSQL takes the user name from the startup message
    }

    Scram(String password, String user, String clientNonce) {
      this.password = password;
      this.user = user;
      this.clientNonce = clientNonce;
    }

    private static String nonce() {
      byte[] random = new byte[18];
      new SecureRandom().nextBytes(random);
      return Base64.getEncoder().encodeToString(random);
    }

    byte[] clientFirst() {
      clientFirstBare = "n=" + user + ",r=" + clientNonce;
      return ("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    byte[] clientFinal(byte[] serverFirstBytes) throws SQLException {
      String serverFirst = new String(serverFirstBytes, StandardCharsets.UTF_8);
      Map<String, String> attrs = attributes(serverFirst);
      String nonce = attrs.get("r");
      if (nonce == null || !nonce.startsWith(clientNonce)) {
        throw new SQLException("SCRAM: the server's nonce does not extend ours", "28000");
      }
      byte[] salt = Base64.getDecoder().decode(attrs.get("s"));
      int iterations = Integer.parseInt(attrs.get("i"));
      try {
        SecretKeyFactory pbkdf2 = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
        byte[] salted = pbkdf2.generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256)).getEncoded();
        byte[] clientKey = hmac(salted, "Client Key");
        byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
        String withoutProof = "c=biws,r=" + nonce;
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] signature = hmac(storedKey, authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) {
          proof[i] = (byte) (clientKey[i] ^ signature[i]);
        }
        expectedServerSignature = hmac(hmac(salted, "Server Key"), authMessage);
        return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
      } catch (GeneralSecurityException e) {
        throw new SQLException("SCRAM: " + e.getMessage(), "28000", e);
      }
    }

    void verifyServerFinal(byte[] serverFinalBytes) throws SQLException {
      Map<String, String> attrs = attributes(new String(serverFinalBytes, StandardCharsets.UTF_8));
      if (attrs.containsKey("e")) {
        throw new SQLException("SCRAM: " + attrs.get("e"), "28000");
      }
      byte[] signature = Base64.getDecoder().decode(attrs.getOrDefault("v", ""));
      if (expectedServerSignature == null || !MessageDigest.isEqual(signature, expectedServerSignature)) {
        throw new SQLException("SCRAM: the server's signature does not match", "28000");
      }
      verified = true;
    }

    boolean verified() {
      return verified;
    }

    private static Map<String, String> attributes(String message) {
      Map<String, String> out = new HashMap<>();
      for (String part : message.split(",")) {
        int eq = part.indexOf('=');
        if (eq == 1) {
          out.put(part.substring(0, 1), part.substring(2));
        }
      }
      return out;
    }

    private static byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }
  }
}
