// Module loader hooks (run off the main thread, so the server keeps answering meanwhile).
let delayMs = 0;

export function initialize(data) {
  delayMs = data.delayMs;
}

export async function load(url, context, nextLoad) {
  if (url.endsWith('/dist/ack/index.mjs')) await new Promise((resolve) => setTimeout(resolve, delayMs));
  return nextLoad(url, context);
}
