// @ts-check

const columns = require('./lib/columns');

/**
 * Which rotation reminder was sent for which version of a shared secret, so
 * that the scheduled reminder task notifies once per state change ("due
 * soon", then "overdue") across restarts and replicas, and a new value (a
 * new version) starts over. Holds no value and no ciphertext.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('secret_reminders', table => {
    table.comment('Rotation reminders sent, one row per shared secret');
    columns.secretName(table).primary();
    table
      .string('state', 16)
      .notNullable()
      .comment("The reminded state: 'due-soon' or 'overdue'");
    columns
      .version(table)
      .comment('The version of the value the reminder was about');
    table
      .string('notified_at', 32)
      .notNullable()
      .comment('When the reminder was sent (ISO-8601 UTC)');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('secret_reminders');
};
