package dev.headroom.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates JSON against the contract's JSON Schemas (draft 2020-12), which live beside this
 * class as {@code <name>-<version>.schema.json}. The schemas, not the records, are the contract.
 */
public final class SchemaValidator {
  private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
  private static final Map<String, JsonSchema> CACHE = new ConcurrentHashMap<>();

  private SchemaValidator() {}

  /** Resource name of a schema id: {@code headroom.snapshot/1} is {@code headroom.snapshot-1.schema.json}. */
  public static String resourceName(String schemaId) {
    return schemaId.replace('/', '-') + ".schema.json";
  }

  public static JsonSchema schema(String schemaId) {
    return CACHE.computeIfAbsent(schemaId, id -> {
      try (InputStream in = SchemaValidator.class.getResourceAsStream(resourceName(id))) {
        if (in == null) {
          throw new IllegalArgumentException("no JSON Schema for " + id);
        }
        return FACTORY.getSchema(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** The violations of {@code json} against the schema it names; empty when valid. */
  public static List<String> violations(byte[] json) {
    JsonNode node;
    try {
      node = Json.mapper().readTree(json);
    } catch (IOException e) {
      return List.of("not JSON: " + e.getMessage());
    }
    JsonNode schemaId = node.get("schema");
    if (schemaId == null || !schemaId.isTextual()) {
      return List.of("no \"schema\" field");
    }
    return schema(schemaId.asText()).validate(node).stream().map(ValidationMessage::getMessage).sorted().toList();
  }
}
