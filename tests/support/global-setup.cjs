// Each run starts with no privacy ledgers, so the scan never reads a previous run's.
const { rmSync } = require('node:fs');

module.exports = () => {
  rmSync('test-output/privacy', { recursive: true, force: true });
};
