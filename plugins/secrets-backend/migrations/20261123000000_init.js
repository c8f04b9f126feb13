// @ts-check

const columns = require('./lib/columns');

/**
 * One row per stored secret: the current value (encrypted) and its metadata.
 * Timestamps are ISO-8601 UTC strings (toISOString), identical on SQLite and
 * PostgreSQL, and ordered correctly as strings.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('secrets', table => {
    table.comment(
      'Secret values, encrypted with AES-256-GCM, and their metadata',
    );
    columns
      .secretName(table)
      .primary()
      .comment('The secret name, e.g. OPENAI_API_KEY');
    columns.encryptedValue(table);
    columns
      .version(table)
      .comment('1 on first set, +1 per set; bound into the associated data');
    table.string('created_at', 32).notNullable();
    table.string('created_by', 255).notNullable();
    table.string('updated_at', 32).notNullable();
    table.string('updated_by', 255).notNullable();
    table.string('last_used_at', 32).nullable();
    table
      .string('last_used_by', 255)
      .nullable()
      .comment('The plugin that read the value last, e.g. plugin:catalog');
    table
      .string('last_used_on_behalf_of', 255)
      .nullable()
      .comment('The user the plugin acted for, if any');
    table.index(['key_id'], 'secrets_key_id_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('secrets');
};
