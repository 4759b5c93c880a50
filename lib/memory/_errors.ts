/** Thrown when text handed to a memory parser is not the output it expects. */
export class MemoryParseError extends Error {
  /** Builds the error; `options.cause` keeps the underlying failure. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MemoryParseError";
  }
}

/** Thrown when a memory reader cannot obtain a reading (a command failed, a file is unreadable). */
export class MemoryReadError extends Error {
  /** Builds the error; `options.cause` keeps the underlying failure. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MemoryReadError";
  }
}

/** Thrown when a memory sampler is used in a state that does not allow it (for example after `stop()`). */
export class MemorySamplerError extends Error {
  /** Builds the error; `options.cause` keeps the underlying failure. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MemorySamplerError";
  }
}

/** First `max` characters of `text`, for error messages that quote their input. */
export function excerpt(text: string, max = 60): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}
