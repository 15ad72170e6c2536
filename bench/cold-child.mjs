// One cold start of ack, as Lambda does it: a fresh process imports the bundle (init: config,
// KMS decrypt of the signing secret, first data key) and handles one signed request (seal +
// async Invoke). The parent passes the stand-ins' endpoints and a signed event in the environment.
const started = performance.now();
const { handler } = await import(process.env.BENCH_BUNDLE ?? '');
const imported = performance.now();
const result = await handler(JSON.parse(process.env.BENCH_EVENT ?? '{}'), {
  awsRequestId: 'cold',
  getRemainingTimeInMillis: () => 3000,
});
const handled = performance.now();
process.stdout.write(
  JSON.stringify({ status: result.statusCode, importMs: imported - started, handleMs: handled - imported }),
);
process.exit(0);
