import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// The page's flows type into dialogs and wait for the table to refresh. On a
// loaded 2-core CI machine (the backend suites run in parallel) a flow can
// take longer than jest's 5 s and testing-library's 1 s defaults; these are
// budgets for slowness, not assertions about speed.
jest.setTimeout(30_000);
configure({ asyncUtilTimeout: 5_000 });
