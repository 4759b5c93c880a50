/** Argument checks shared by the statistics functions; each throws RangeError naming the value. */

/** Throw a RangeError unless `values` is an array of finite numbers, naming the first bad index. */
export function assertFiniteValues(values: readonly number[], caller: string): void {
  if (!Array.isArray(values)) {
    throw new TypeError(`${caller} needs an array of numbers: current value is ${typeof values}`);
  }
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new RangeError(
        `${caller} needs finite numbers: values[${i}] is ${describe(value)}`,
      );
    }
  }
}

/** Throw a RangeError unless `confidence` lies strictly between 0 and 1. */
export function assertConfidence(confidence: number, caller: string): void {
  if (typeof confidence !== "number" || !(confidence > 0 && confidence < 1)) {
    throw new RangeError(
      `${caller} needs a confidence level strictly between 0 and 1: current value is ${
        describe(confidence)
      }`,
    );
  }
}

/** Throw a RangeError unless `value` is an integer at least `min`. */
export function assertInteger(value: number, min: number, name: string, caller: string): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `${caller} needs '${name}' to be an integer >= ${min}: current value is ${describe(value)}`,
    );
  }
}

/** Render a value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  return typeof value;
}
