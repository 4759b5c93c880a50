import type { ModelConfig } from "../config/mod.ts";
import { resolveModelFile, sharedLlama } from "../backends/mod.ts";
import type { Embedder } from "./scorers.ts";

/** Options for {@linkcode createLlamaEmbedder}. */
export interface LlamaEmbedderOptions {
  /** @default Deno.env.get (for EDGE_BENCH_MODEL_DIR) */
  env?: (name: string) => string | undefined;
  /** Name recorded in settings. @default the model id */
  name?: string;
}

/**
 * An embedder on a GGUF model through node-llama-cpp's `model.createEmbeddingContext()` (the
 * embedded engine's own model files; `embedded` model entries only). Texts longer than the
 * embedding context are cut to its size in tokens before embedding.
 */
export async function createLlamaEmbedder(
  model: ModelConfig,
  options: LlamaEmbedderOptions = {},
): Promise<Embedder> {
  if (model.backend !== "embedded") {
    throw new RangeError(
      `An embedding model must use the embedded backend (a local GGUF file): current backend is '${model.backend}'`,
    );
  }
  const file = await resolveModelFile(model, { env: options.env });
  const llama = await sharedLlama(model.gpu);
  const loaded = await llama.loadModel({ modelPath: file.path });
  const contextSize = Math.min(model.context_size, loaded.trainContextSize);
  const context = await loaded.createEmbeddingContext({
    contextSize,
    threads: model.threads,
  });
  let queue: Promise<unknown> = Promise.resolve();
  return {
    name: options.name ?? model.model_id,
    embed(text: string): Promise<readonly number[]> {
      const run = queue.then(async () => {
        const tokens = loaded.tokenize(text).slice(0, contextSize);
        const embedding = await context.getEmbeddingFor(tokens);
        return [...embedding.vector];
      });
      queue = run.catch(() => {});
      return run;
    },
    async close(): Promise<void> {
      await context.dispose();
      await loaded.dispose();
    },
  };
}
