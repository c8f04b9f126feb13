// @ts-check

const columns = require('./lib/columns');

/**
 * The last check of each shared secret's value with its provider (the
 * definition's `validate`), by `POST /secrets/:name/check` or by a save whose
 * check passed. The row names the version it checked: a newer value makes it
 * stale, so the page never shows an old value's check for a new one. Never a
 * value, never a provider message (it could quote the value).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('secret_checks', table => {
    table.comment('The last validate check of each shared secret');
    columns.secretName(table).primary();
    table
      .string('checked_at', 32)
      .notNullable()
      .comment('ISO-8601 UTC time of the check');
    table.boolean('ok').notNullable().comment('Whether the check passed');
    table
      .integer('version')
      .nullable()
      .comment(
        'The stored version checked; null when a pin (config or environment) was checked',
      );
    table
      .string('source', 16)
      .notNullable()
      .comment(
        'Where the checked value came from: database, config or environment',
      );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('secret_checks');
};
