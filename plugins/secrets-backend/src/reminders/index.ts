/*
 * Value rotation: how often each shared value should be replaced
 * (rotateEvery, `secrets.rotation`), the summary fields that follow from it
 * (rotateBy, unused), and the reminders sent when a value is due.
 */
export { RotationReminders } from './RotationReminders';
export { RotationPolicy } from './rotationPolicy';
