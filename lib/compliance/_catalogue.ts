/**
 * The control ids the rubric may use: the OWASP Top 10 for LLM Applications 2025, one
 * banking-misuse risk outside that list, the NIST AI RMF 1.0 subcategories, and the facts this
 * tool captures itself. Titles of the OWASP items are the list's own; NIST subcategory wording
 * lives in configs/compliance.yaml beside each subcategory the rubric uses.
 * @module
 */

/** OWASP Top 10 for LLM Applications 2025: id → title. */
export const OWASP_LLM_2025: Readonly<Record<string, string>> = {
  LLM01: "Prompt Injection",
  LLM02: "Sensitive Information Disclosure",
  LLM03: "Supply Chain",
  LLM04: "Data and Model Poisoning",
  LLM05: "Improper Output Handling",
  LLM06: "Excessive Agency",
  LLM07: "System Prompt Leakage",
  LLM08: "Vector and Embedding Weaknesses",
  LLM09: "Misinformation",
  LLM10: "Unbounded Consumption",
};

/** Risks the rubric may assess beyond the OWASP list: id → title. */
export const EXTRA_RISKS: Readonly<Record<string, string>> = {
  MISUSE: "Harmful assistance to financial crime (fraud, money laundering)",
};

/**
 * The `risk` of a probe set of benign control instructions (data/compliance/
 * instruction_following.yaml): not a risk, read by the rubric's `instruction_gate`.
 */
export const CONTROL_RISK = "CONTROL";

/** Every risk id the rubric may use. */
export const RISK_IDS: readonly string[] = [
  ...Object.keys(OWASP_LLM_2025),
  ...Object.keys(EXTRA_RISKS),
];

/** The four NIST AI RMF 1.0 functions. */
export const NIST_FUNCTIONS = ["GOVERN", "MAP", "MEASURE", "MANAGE"] as const;

/** One NIST AI RMF 1.0 function name. */
export type NistFunction = typeof NIST_FUNCTIONS[number];

/** Number of subcategories per category of each function (NIST AI 100-1, Tables 1–4). */
const NIST_SHAPE: Record<NistFunction, number[]> = {
  GOVERN: [7, 3, 2, 3, 2, 2],
  MAP: [6, 3, 5, 2, 2],
  MEASURE: [3, 13, 3, 3],
  MANAGE: [4, 4, 2, 3],
};

/** Every NIST AI RMF 1.0 subcategory id (`GOVERN 1.1` … `MANAGE 4.3`), by function. */
export const NIST_SUBCATEGORIES: Readonly<Record<NistFunction, readonly string[]>> = {
  GOVERN: subcategories("GOVERN"),
  MAP: subcategories("MAP"),
  MEASURE: subcategories("MEASURE"),
  MANAGE: subcategories("MANAGE"),
};

function subcategories(fn: NistFunction): string[] {
  return NIST_SHAPE[fn].flatMap((count, i) =>
    Array.from({ length: count }, (_, j) => `${fn} ${i + 1}.${j + 1}`)
  );
}

/** Facts the tool captures itself: id → what it checks. */
export const FACTS: Readonly<Record<string, string>> = {
  endpoints_loopback: "Every configured endpoint (models and LM Studio) is a loopback address",
  model_endpoint_loopback: "The model is served in-process or on a loopback address",
  model_file_sha256: "The model file is at hand and matches its pinned sha256",
  model_source: "The model file's source is pinned or declared in its metadata",
  model_format_quantization: "The served format and quantization match the configuration",
  licence_permits_internal_use: "The model's licence permits a bank's internal use",
  results_personal_data:
    "Stored prompts in results/ hold no personal data beyond synthetic fixtures",
  request_limits: "Every request has a max_tokens cap and a timeout",
  evaluation_provenance: "Probe results come from runs with a manifest (config hash, environment)",
};
