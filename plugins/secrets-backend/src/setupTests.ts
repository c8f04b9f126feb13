import { sweepCanaries } from './__testUtils__/canaries';

// After all tests of a file: no planted canary value may appear in any log
// line or audit event that any backend of the file emitted.
afterAll(() => {
  const { leaks } = sweepCanaries();
  expect(leaks).toEqual([]);
});
