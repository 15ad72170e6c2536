/** Code size of each bundle in dist/ (source maps apart). */
import { readdirSync, statSync } from 'node:fs';
import { judged } from './stats';

export const FUNCTIONS = ['ack', 'poster', 'reaper', 'sweeper'] as const;

export async function benchBundles(): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  console.log('\nbundles (code only, source maps apart)');
  for (const fn of FUNCTIONS) {
    const files = readdirSync(`dist/${fn}`).filter((f) => !f.endsWith('.map'));
    sizes[fn] = files.reduce((sum, f) => sum + statSync(`dist/${fn}/${f}`).size, 0);
    const target = fn === 'ack' ? `  ${judged('≤ 500 KB', sizes[fn] <= 500 * 1024)}` : '';
    console.log(`  ${fn.padEnd(8)} ${(sizes[fn] / 1024).toFixed(1).padStart(7)} KB${target}`);
  }
  return sizes;
}
