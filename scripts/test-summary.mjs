// Prints the closing summary of scripts/test.sh: counts of the jest run
// (from its JSON report), including how many tests ran against PostgreSQL,
// of the browser tests, and the adopter test's result and time.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
let postgres = 0;

const jestReport = join(dir, 'jest.json');
if (existsSync(jestReport)) {
  const report = JSON.parse(readFileSync(jestReport, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  for (const file of report.testResults) {
    for (const test of file.assertionResults) {
      if (test.status === 'passed' && /POSTGRES/i.test(test.fullName)) {
        postgres += 1;
      }
    }
  }
  console.log(
    `jest: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests} skipped (${postgres} of them against PostgreSQL) in ${report.numTotalTestSuites} suites`,
  );
}

const e2eReport = join(dir, 'e2e.json');
if (existsSync(e2eReport)) {
  const e2e = JSON.parse(readFileSync(e2eReport, 'utf8'));
  passed += e2e.passed;
  failed += e2e.failed;
  console.log(`browser: ${e2e.passed} passed, ${e2e.failed} failed`);
}

const adopterReport = join(dir, 'adopter.json');
if (existsSync(adopterReport)) {
  const adopter = JSON.parse(readFileSync(adopterReport, 'utf8'));
  passed += adopter.passed;
  failed += adopter.failed;
  const time = `${Math.floor(adopter.seconds / 60)}m${adopter.seconds % 60}s`;
  console.log(
    `adopter test: ${
      adopter.failed ? 'FAILED' : 'passed'
    } in ${time} (a fresh create-app app following the README)`,
  );
}

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || passed === 0) process.exitCode = 1;
