/**
 * Keeps the bundles' JSON log lines off the terminal while the benchmark prints its figures,
 * counting their bytes (the cost model prices CloudWatch Logs ingestion).
 */
export function hideFunctionLogs(
  /** Each hidden line, parsed: what a benchmark counts (refusals by reason…). */
  onLine?: (line: Record<string, unknown>) => void,
): { bytes(): number; reset(): void } {
  let bytes = 0;
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    if (text.startsWith('{"time"')) {
      bytes += Buffer.byteLength(text);
      if (onLine)
        for (const line of text.split('\n'))
          if (line.startsWith('{')) {
            try {
              onLine(JSON.parse(line) as Record<string, unknown>);
            } catch {
              // not one whole line: not counted
            }
          }
      return true;
    }
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  return {
    bytes: () => bytes,
    reset: () => {
      bytes = 0;
    },
  };
}
