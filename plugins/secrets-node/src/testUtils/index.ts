/**
 * Test utilities for plugins that read secrets.
 *
 * @packageDocumentation
 */
export * from './secretsServiceMock';
