package dev.headroom.bench;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads RFC 4180 records as PostgreSQL's csvlog writes them: fields separated by commas,
 * quoted with {@code "} when they hold commas, quotes or newlines, quotes doubled inside.
 * A record may span several lines. Hand-rolled because this one dialect is all we need and
 * no CSV library is among the project's managed dependencies.
 */
public final class CsvRecords {
  private CsvRecords() {}

  /** Calls {@code sink} once per record, in file order. */
  public static void read(Reader in, Consumer<List<String>> sink) throws IOException {
    List<String> fields = new ArrayList<>(32);
    StringBuilder field = new StringBuilder(128);
    boolean quoted = false;
    boolean afterQuote = false;
    boolean any = false;
    char[] buf = new char[1 << 16];
    int n;
    while ((n = in.read(buf)) > 0) {
      for (int i = 0; i < n; i++) {
        char c = buf[i];
        if (quoted) {
          if (c == '"') {
            quoted = false;
            afterQuote = true;
          } else {
            field.append(c);
          }
          continue;
        }
        switch (c) {
          case '"' -> {
            if (afterQuote) {
              field.append('"'); // a doubled quote inside a quoted field
            }
            quoted = true;
            afterQuote = false;
            any = true;
          }
          case ',' -> {
            fields.add(field.toString());
            field.setLength(0);
            afterQuote = false;
            any = true;
          }
          case '\r' -> { /* CRLF files: the \n ends the record */ }
          case '\n' -> {
            if (any || field.length() > 0) {
              fields.add(field.toString());
              sink.accept(List.copyOf(fields));
            }
            fields.clear();
            field.setLength(0);
            afterQuote = false;
            any = false;
          }
          default -> {
            field.append(c);
            afterQuote = false;
            any = true;
          }
        }
      }
    }
    if (any || field.length() > 0) {
      fields.add(field.toString());
      sink.accept(List.copyOf(fields));
    }
  }
}
