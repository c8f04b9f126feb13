// Prints the closing summary of scripts/test.sh from the reports in the
// given folder: the jest run (jest.json; how many tests ran against
// PostgreSQL), the browser tests (e2e.json) and the adopter test
// (adopter.json, with its time). Fails when a test failed or none passed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const read = name => {
  const file = join(process.argv[2], name);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
};
const total = { passed: 0, failed: 0, skipped: 0 };

const jest = read('jest.json');
if (jest) {
  const postgres = jest.testResults
    .flatMap(file => file.assertionResults)
    .filter(t => t.status === 'passed' && /POSTGRES/i.test(t.fullName)).length;
  total.passed += jest.numPassedTests;
  total.failed += jest.numFailedTests;
  total.skipped += jest.numPendingTests + jest.numTodoTests;
  console.log(
    `jest: ${jest.numPassedTests} passed, ${jest.numFailedTests} failed, ${jest.numPendingTests} skipped (${postgres} of them against PostgreSQL) in ${jest.numTotalTestSuites} suites`,
  );
}

const e2e = read('e2e.json');
if (e2e) {
  total.passed += e2e.passed;
  total.failed += e2e.failed;
  console.log(`browser: ${e2e.passed} passed, ${e2e.failed} failed`);
}

const adopter = read('adopter.json');
if (adopter) {
  total.passed += adopter.passed;
  total.failed += adopter.failed;
  const time = `${Math.floor(adopter.seconds / 60)}m${adopter.seconds % 60}s`;
  const verdict = adopter.failed ? 'FAILED' : 'passed';
  console.log(
    `adopter test: ${verdict} in ${time} (a fresh create-app app following the README)`,
  );
}

console.log(
  `${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`,
);
if (total.failed > 0 || total.passed === 0) process.exitCode = 1;
