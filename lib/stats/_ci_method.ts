/** Names of the interval methods, stored beside every interval a summary writes. @module */

/**
 * How an interval was made (the `ci_method` stored beside an interval):
 * - `wilson`: Wilson score interval for a proportion (rates, accuracy, pass rates).
 * - `bca_bootstrap`: seeded bias-corrected and accelerated bootstrap (Efron 1987) with
 *   Hesterberg's small-sample expansion; used for means of positive times and of bounded scores,
 *   and for macro-F1. Inside the range of the data, so inside the metric's range.
 * - `percentile_bootstrap`: seeded percentile bootstrap (medians, p90, per-class F1 of tiny classes).
 * - `woodruff`: Woodruff's (1952) interval for a quantile, from the cluster-robust standard error
 *   of the share of values below it (latency percentiles of very many requests, where resampling
 *   them would take too long).
 * - `t`: Student's t interval for a mean (only where the values are unbounded).
 * - `tango_score`: Tango's (1998) score interval for a paired difference of proportions, which
 *   inverts McNemar's test.
 * - `paired_bca_bootstrap`: BCa bootstrap over the shared samples of two paired runs.
 * - `welch`: Welch's t interval for a difference of independent means.
 * - `newcombe`: Newcombe's hybrid score interval for a difference of independent proportions.
 * - `normal_from_ci`: a normal approximation from two independent intervals.
 */
export type CiMethod =
  | "wilson"
  | "bca_bootstrap"
  | "percentile_bootstrap"
  | "t"
  | "tango_score"
  | "paired_bca_bootstrap"
  | "welch"
  | "newcombe"
  | "normal_from_ci"
  | "woodruff";

/** A short label per method, for table notes and captions. */
export const CI_METHOD_LABELS: Readonly<Record<CiMethod, string>> = {
  wilson: "Wilson score",
  bca_bootstrap: "BCa bootstrap",
  percentile_bootstrap: "percentile bootstrap",
  t: "Student's t",
  tango_score: "Tango score (paired; McNemar test)",
  paired_bca_bootstrap: "paired BCa bootstrap",
  welch: "Welch t",
  newcombe: "Newcombe hybrid score (independent samples)",
  normal_from_ci: "normal approximation from two intervals",
  woodruff: "Woodruff (cluster-robust)",
};

/** The label of a method id, or the id itself when it is not one of {@linkcode CiMethod}. */
export function ciMethodLabel(method: string | null | undefined): string {
  if (!method) return "";
  return (CI_METHOD_LABELS as Record<string, string>)[method] ?? method;
}
