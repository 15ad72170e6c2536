/**
 * `npm run bench [part …]`: figures for the README. Parts: bundles, cold, warm, lateness, cost
 * (cost uses the lateness run's counts). Prints its figures; not part of `npm test`.
 */
import { benchBundles } from './bundles';
import { benchCold } from './cold';

const all = ['bundles', 'cold', 'warm', 'lateness'];
const parts = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const selected = parts.length > 0 ? parts : all;
console.log(
  `snap benchmark — ${new Date().toISOString()} — node ${process.version}, ${process.platform}/${process.arch}`,
);
for (const part of selected) {
  if (part === 'bundles') await benchBundles();
  else if (part === 'cold') await benchCold();
  else throw new Error(`unknown part ${part}; parts: ${all.join(', ')}`);
}
process.exit(0);
