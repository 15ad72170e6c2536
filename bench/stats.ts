/** Small statistics for the benchmark's printed figures. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function summary(values: number[]): { n: number; p50: number; p99: number; max: number; min: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

export const median = (values: number[]) => summary(values).p50;

export const fmt = (ms: number, digits = 1) => `${ms.toFixed(digits)} ms`;

/** How a figure stands against its target (the targets column of docs/performance.md). */
export const verdict = (met: boolean) => (met ? 'met' : 'NOT MET');

/** `figure (target …): met` — what every judged line of the benchmark ends with. */
export const judged = (target: string, met: boolean) => `(target ${target}: ${verdict(met)})`;
