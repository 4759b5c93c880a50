/**
 * The latest attempt of each unit of work (a perf slot, an eval sample, a compliance probe), in
 * the order of those latest attempts: a higher `attempt` wins, and at equal attempts the later
 * record (records are appended, so a later line is a later attempt). What every aggregate counts:
 * a retried failure is superseded, never counted twice.
 */
export function latestAttemptsBy<T extends { attempt?: number }>(
  records: readonly T[],
  key: (record: T) => string,
): T[] {
  const latest = new Map<string, T>();
  for (const r of records) {
    const k = key(r);
    const seen = latest.get(k);
    if (!seen || (r.attempt ?? 0) >= (seen.attempt ?? 0)) {
      if (seen) latest.delete(k);
      latest.set(k, r);
    }
  }
  return [...latest.values()];
}

/** The attempt number a retry of each unit takes: one more than its latest record's. */
export function nextAttempts<T extends { attempt?: number }>(
  latest: readonly T[],
  key: (record: T) => string,
): Map<string, number> {
  return new Map(latest.map((r) => [key(r), (r.attempt ?? 0) + 1]));
}
