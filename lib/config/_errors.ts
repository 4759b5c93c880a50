/** A configuration file that cannot be used: names the file, the field path and the bad value. */
export class ConfigError extends Error {
  /** The file the bad value came from (or `<cli>` for command-line flags). */
  readonly file: string;
  /** Dotted field path, e.g. `models.stories260k.threads`. */
  readonly field: string;
  /** The offending value as found (undefined when the field is missing). */
  readonly value: unknown;
  /** What is wrong with it, e.g. `must be a positive integer`. */
  readonly problem: string;

  constructor(
    file: string,
    field: string,
    value: unknown,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(
      `Cannot load config ${file}: '${field || "(root)"}' ${problem}: current value is ${
        describeValue(value)
      }`,
      options,
    );
    this.name = "ConfigError";
    this.file = file;
    this.field = field;
    this.value = value;
    this.problem = problem;
  }
}

/** Render a value for an error message: short, JSON-like, never throws. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "missing";
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return String(value);
  }
}
