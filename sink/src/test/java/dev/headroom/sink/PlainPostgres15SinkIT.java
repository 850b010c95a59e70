package dev.headroom.sink;

/** The sink on plain PostgreSQL 15. */
class PlainPostgres15SinkIT extends AbstractPlainPostgresSinkIT {
  @Override
  protected int major() {
    return 15;
  }
}
