package dev.headroom.simulator;

import dev.headroom.schemas.Message;

/**
 * One record the simulator publishes: a snapshot part on {@code headroom.snapshots.v1} or a deploy
 * event on {@code headroom.events.v1}, keyed by instance id, with the event time as its timestamp
 * and its value already encoded.
 */
public record SimulatedRecord(String topic, String key, long timestamp, Message value, byte[] json) {}
