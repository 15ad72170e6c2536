// Jest runs the TypeScript sources as native ES modules (swc strips types only), on the
// node@24 binary from devDependencies, the same runtime as Lambda's nodejs24.x.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
        module: { type: 'es6' },
      },
    ],
  },
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  setupFilesAfterEnv: ['<rootDir>/tests/support/setup.ts'],
  globalSetup: '<rootDir>/tests/support/global-setup.cjs',
  testSequencer: '<rootDir>/tests/support/sequencer.cjs',
  testTimeout: 20_000,
  // Two suites at a time, also on a 2-core machine (jest's default there is one): the end-to-end
  // suites spend most of their time waiting for snaps to fall due, not computing, so two at once
  // halve the run (~4.5 min against ~8.5) and their timing assertions still hold.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/tests/support/closing-line-reporter.cjs'],
};
