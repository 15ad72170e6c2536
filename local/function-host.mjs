// Hosts one built Lambda bundle in a process of its own, as an execution environment does, so
// that a test can kill it mid-run (local/function-process.ts drives it over IPC).
import { pathToFileURL } from 'node:url';

const [bundle] = process.argv.slice(2);

// The peak of what the functions' data takes (V8 heap and buffers), sampled; the resident set
// also counts code and what the garbage collector has not yet returned.
let peakHeapBytes = 0;
const sample = () => {
  const { heapUsed, external } = process.memoryUsage();
  peakHeapBytes = Math.max(peakHeapBytes, heapUsed + external);
};
setInterval(sample, 50).unref();
// The CPU time this environment has used so far (ms, user and system), start-up included.
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const { handler } = await import(pathToFileURL(bundle).href);

process.on('message', async (message) => {
  // The invoker's context, its one function restored: the time left counts down here.
  const started = Date.now();
  const context = {
    ...message.context,
    getRemainingTimeInMillis: () => Math.max(0, message.timeoutMs - (Date.now() - started)),
  };
  try {
    const result = await handler(message.event, context);
    // What Lambda reports as "Max Memory Used": the environment's peak resident set (KB).
    sample();
    process.send({
      id: message.id,
      result: result ?? null,
      maxRssKb: process.resourceUsage().maxRSS,
      peakHeapBytes,
      cpuMs: cpuMs(),
    });
  } catch (error) {
    process.send({
      id: message.id,
      error: {
        errorType: error instanceof Error ? error.name : 'Error',
        errorMessage: error instanceof Error ? error.message : String(error),
      },
      maxRssKb: process.resourceUsage().maxRSS,
      peakHeapBytes,
      cpuMs: cpuMs(),
    });
  }
});
process.send({ ready: true, cpuMs: cpuMs() });
