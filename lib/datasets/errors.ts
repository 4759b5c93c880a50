/**
 * A dataset file that cannot be used: missing everywhere, failing its pinned checksum, or holding
 * malformed input. The message names the file, the value found, and what to do about it.
 */
export class DatasetError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DatasetError";
  }
}
