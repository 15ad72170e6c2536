// Runs the suite-wide privacy scan after every other suite (the rest keep jest's own order),
// and tells it which suites this run includes, so it waits for their ledgers and no others.
const { mkdirSync, writeFileSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;

class PrivacyLast extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const last = (t) => t.path.includes('/tests/privacy/');
    mkdirSync('test-output', { recursive: true });
    writeFileSync('test-output/privacy-run.json', JSON.stringify(tests.map((t) => t.path)));
    return [...sorted.filter((t) => !last(t)), ...sorted.filter(last)];
  }
}

module.exports = PrivacyLast;
