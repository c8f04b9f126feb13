/*
 * The composition root (the plugin's parts wired from the configuration,
 * and its scheduled tasks) and the HTTP face (the access gate in front of
 * the routes of src/schema/openapi.yaml).
 */
export { createRouter } from './router';
export { scheduleSecretsTasks } from './scheduledTasks';
export { wireSecretsBackend } from './wireSecretsBackend';
