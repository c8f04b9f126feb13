// @ts-check

const columns = require('./lib/columns');

/**
 * Per-user secrets: one encrypted value per (secret, user), and each
 * user's permission for a reader plugin to use it. A cleared value keeps its
 * row (no ciphertext) so versions never repeat for a (secret, user).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('user_secrets', table => {
    table.comment(
      'Values that users set for themselves, encrypted with AES-256-GCM',
    );
    columns.secretName(table);
    table
      .string('user_ref', 255)
      .notNullable()
      .comment('The owner, e.g. user:default/bob');
    table
      .text('ciphertext')
      .nullable()
      .comment('base64 of nonce | ciphertext | tag; null once cleared');
    table.string('key_id', 64).nullable();
    columns
      .version(table)
      .comment('Bound into the associated data with name and user');
    table.string('created_at', 32).notNullable();
    table.string('updated_at', 32).notNullable();
    table.string('last_used_at', 32).nullable();
    table
      .string('last_used_by', 255)
      .nullable()
      .comment('The plugin that used the value last, e.g. plugin:catalog');
    table
      .string('owner_missing_since', 32)
      .nullable()
      .comment('When the owner was first found missing from the catalog');
    table.primary(['name', 'user_ref']);
    table.index(['key_id'], 'user_secrets_key_id_idx');
    table.index(['user_ref'], 'user_secrets_user_ref_idx');
  });
  await knex.schema.createTable('user_secret_grants', table => {
    table.comment('Which reader plugins a user allows to use their value');
    columns.secretName(table);
    table.string('user_ref', 255).notNullable();
    table.string('plugin_id', 64).notNullable();
    table.boolean('allowed').notNullable();
    table.string('updated_at', 32).notNullable();
    table.primary(['name', 'user_ref', 'plugin_id']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('user_secret_grants');
  await knex.schema.dropTable('user_secrets');
};
