import { sweepCanaries } from './__testUtils__/canaries';

// After all tests of a file: no planted canary value may appear in any log
// line or audit event that any backend of the file emitted. Throwing from
// afterAll fails the file.
afterAll(() => {
  const { leaks } = sweepCanaries();
  if (leaks.length > 0) {
    throw new Error(
      `Canary values leaked into captured logs or audit events:\n${leaks.join(
        '\n',
      )}`,
    );
  }
});
