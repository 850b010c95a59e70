package dev.headroom.sink;

/** The sink on plain PostgreSQL 17. */
class PlainPostgres17SinkIT extends AbstractPlainPostgresSinkIT {
  @Override
  protected int major() {
    return 17;
  }
}
