/*
 * The composition root (the plugin's parts wired from the configuration,
 * and its scheduled tasks) and the HTTP face (the access gate in front of
 * the routes of src/schema/openapi.yaml).
 */
export { createRouter, type RouterOptions } from './router';
export { scheduleSecretsTasks } from './scheduledTasks';
export { type SecretsBackend, wireSecretsBackend } from './wireSecretsBackend';
