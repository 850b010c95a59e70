package dev.headroom.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.headroom.schemas.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What the simulator knows about the fleet it plays: per (instance, resource) the growth pattern,
 * its parameters, the capacity and when it reaches a fraction of it; per instance the deploys
 * (with their latency regression), restarts, crashes and statistics resets. Tests and benchmarks
 * check projections, deploy checks and reset handling against it; {@link #write(Path)} saves it
 * as JSON for other processes ({@code --truth-out}), {@link #read(Path)} reads that file back.
 */
public record Truth(long seed, Instant origin, Instant now, double saturationFraction, List<InstanceTruth> instances) {
  public static final String SCHEMA = "headroom.simulator-truth/1";

  /**
   * One instance: who it is, its load shape (which daily-peak readings follow below their pattern,
   * and calls and latency follow), its resources and what happens to it.
   */
  public record InstanceTruth(String id, int serverVersionNum, Map<String, String> labels, LoadShape shape,
      List<ResourceTruth> resources, List<Incident> incidents) {
    public InstanceTruth {
      labels = Map.copyOf(labels);
      resources = List.copyOf(resources);
      incidents = List.copyOf(incidents);
    }

    public Optional<ResourceTruth> resource(String name) {
      return resources.stream().filter(r -> r.resource().equals(name)).findFirst();
    }
  }

  public Truth {
    instances = List.copyOf(instances);
  }

  public Optional<InstanceTruth> instance(String id) {
    return instances.stream().filter(i -> i.id().equals(id)).findFirst();
  }

  public Optional<ResourceTruth> resource(String instanceId, String resource) {
    return instance(instanceId).flatMap(i -> i.resource(resource));
  }

  /** Every resource of every instance. */
  public List<ResourceTruth> resources() {
    return instances.stream().flatMap(i -> i.resources().stream()).toList();
  }

  /** Every incident of every instance, in time order per instance. */
  public List<Incident> incidents() {
    return instances.stream().flatMap(i -> i.incidents().stream()).toList();
  }

  /** The deploys, with their latency factor (above 1: a regression). */
  public List<Incident> deploys() {
    return incidents().stream().filter(i -> i.kind() == Incident.Kind.DEPLOY).toList();
  }

  /** The truth as a JSON tree (snake_case), with the saturation time at {@link #saturationFraction()}. */
  public Map<String, Object> toJson() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("schema", SCHEMA);
    out.put("seed", seed);
    out.put("origin", Json.format(origin));
    out.put("now", Json.format(now));
    out.put("saturation_fraction", saturationFraction);
    out.put("params_note", "levels in the resource's unit, times in days since origin");
    List<Object> list = new ArrayList<>();
    for (InstanceTruth instance : instances) {
      Map<String, Object> i = new LinkedHashMap<>();
      i.put("id", instance.id());
      i.put("server_version_num", instance.serverVersionNum());
      i.put("labels", instance.labels());
      Map<String, Object> shape = new LinkedHashMap<>();
      shape.put("peak_hour_utc", instance.shape().peakHour());
      shape.put("daily_low", instance.shape().low());
      shape.put("weekend_factor", instance.shape().weekend());
      i.put("load_shape", shape);
      List<Object> resources = new ArrayList<>();
      for (ResourceTruth r : instance.resources()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("resource", r.resource());
        m.put("unit", r.unit());
        m.put("reading", r.reading().name().toLowerCase(Locale.ROOT));
        m.put("noise", r.noise());
        m.put("pattern", r.pattern().kind());
        m.put("params", r.pattern().params());
        m.put("capacity", r.capacity().isPresent() ? r.capacity().getAsDouble() : null);
        m.put("value_at_now", r.valueAt(now));
        Optional<Instant> at = r.reaches(saturationFraction);
        m.put("saturation_at", at.map(Json::format).orElse(null));
        OptionalDouble days = r.daysToFraction(saturationFraction, now);
        m.put("time_to_saturation_days", days.isPresent() ? days.getAsDouble() : null);
        resources.add(m);
      }
      i.put("resources", resources);
      List<Object> incidents = new ArrayList<>();
      for (Incident incident : instance.incidents()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", Json.format(incident.at()));
        m.put("kind", incident.kind().name().toLowerCase(Locale.ROOT));
        m.put("id", incident.id());
        m.put("latency_factor", incident.latencyFactor());
        incidents.add(m);
      }
      i.put("incidents", incidents);
      list.add(i);
    }
    out.put("instances", list);
    return out;
  }

  public void write(Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Json.mapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), toJson());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the truth to " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads a file {@link #write(Path)} wrote. */
  public static Truth read(Path file) {
    JsonNode root;
    try {
      root = Json.mapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the truth from " + file + ": " + e.getMessage(), e);
    }
    if (!SCHEMA.equals(root.path("schema").asText())) {
      throw new IllegalArgumentException(file + " is not a " + SCHEMA + " file");
    }
    Instant origin = Instant.parse(root.get("origin").asText());
    List<InstanceTruth> instances = new ArrayList<>();
    for (JsonNode i : root.get("instances")) {
      String id = i.get("id").asText();
      Map<String, String> labels = new LinkedHashMap<>();
      i.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
      List<ResourceTruth> resources = new ArrayList<>();
      for (JsonNode r : i.get("resources")) {
        JsonNode capacity = r.get("capacity");
        resources.add(new ResourceTruth(id, r.get("resource").asText(), r.get("unit").asText(),
            pattern(r.get("pattern").asText(), r.get("params")),
            capacity == null || capacity.isNull() ? OptionalDouble.empty() : OptionalDouble.of(capacity.asDouble()),
            origin, ResourceTruth.Reading.valueOf(r.get("reading").asText().toUpperCase(Locale.ROOT)),
            r.get("noise").asDouble()));
      }
      List<Incident> incidents = new ArrayList<>();
      for (JsonNode n : i.get("incidents")) {
        JsonNode incidentId = n.get("id");
        incidents.add(new Incident(id, Instant.parse(n.get("at").asText()),
            Incident.Kind.valueOf(n.get("kind").asText().toUpperCase(Locale.ROOT)),
            incidentId == null || incidentId.isNull() ? null : incidentId.asText(), n.get("latency_factor").asDouble()));
      }
      JsonNode shape = i.get("load_shape");
      instances.add(new InstanceTruth(id, i.get("server_version_num").asInt(), labels,
          new LoadShape(shape.get("peak_hour_utc").asInt(), shape.get("daily_low").asDouble(),
              shape.get("weekend_factor").asDouble()), resources, incidents));
    }
    return new Truth(root.get("seed").asLong(), origin, Instant.parse(root.get("now").asText()),
        root.get("saturation_fraction").asDouble(), instances);
  }

  private static Pattern pattern(String kind, JsonNode p) {
    return switch (kind) {
      case "flat" -> new Pattern.Flat(p.get("level").asDouble());
      case "linear" -> new Pattern.Linear(p.get("intercept").asDouble(), p.get("slope_per_day").asDouble());
      case "exponential" -> new Pattern.Exponential(p.get("initial").asDouble(), p.get("rate_per_day").asDouble());
      case "weekly" -> new Pattern.Weekly(p.get("intercept").asDouble(), p.get("slope_per_day").asDouble(),
          p.get("amplitude").asDouble());
      case "step" -> new Pattern.Step(p.get("intercept").asDouble(), p.get("slope_per_day").asDouble(),
          p.get("at_day").asDouble(), p.get("size").asDouble());
      default -> throw new IllegalArgumentException("unknown pattern " + kind);
    };
  }
}
