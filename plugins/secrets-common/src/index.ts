/**
 * Common types, permissions and name rules of the Backstage Secrets plugins.
 *
 * @packageDocumentation
 */

export * from './permissions';
export * from './names';
export * from './reasons';
export type * from './api';
export * from './templates';
