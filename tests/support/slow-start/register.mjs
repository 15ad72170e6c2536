// Loaded with `node --import` into a test's `npm start` process: makes loading ack's bundle take
// SNAP_TEST_SLOW_ACK_MS longer, so that a test can reach the server while it is still starting.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url, {
  data: { delayMs: Number(process.env.SNAP_TEST_SLOW_ACK_MS ?? 0) },
});
