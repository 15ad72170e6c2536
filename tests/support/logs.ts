/** Captures what the code writes to stdout (its structured logs) for assertions. */
import { jest } from '@jest/globals';

export function captureStdout(): { lines: () => string[]; restore: () => void } {
  const captured: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  });
  return {
    lines: () => captured.join('').split('\n').filter(Boolean),
    restore: () => spy.mockRestore(),
  };
}
