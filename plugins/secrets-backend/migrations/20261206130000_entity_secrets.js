// @ts-check

const columns = require('./lib/columns');

/**
 * Entity-owned secrets: one encrypted value per (secret, catalog entity),
 * set by the entity's owners. A cleared value keeps its row (no
 * ciphertext) so versions never repeat for a (secret, entity). Encrypted
 * like the other values (envelope columns from the start).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('entity_secrets', table => {
    table.comment(
      'Values that catalog entities have of entity-scoped secrets, encrypted with AES-256-GCM',
    );
    columns.secretName(table);
    table
      .string('entity_ref', 255)
      .notNullable()
      .comment('The entity, e.g. component:default/payments (lower case)');
    table
      .text('ciphertext')
      .nullable()
      .comment('base64 of nonce | ciphertext | tag; null once cleared');
    table.string('key_id', 255).nullable();
    table
      .string('key_provider', 64)
      .nullable()
      .comment('The key provider that wrapped the data key, if any');
    table
      .text('wrapped_key')
      .nullable()
      .comment('base64 of the wrapped data key; never the data key itself');
    columns
      .version(table)
      .comment('Bound into the associated data with name and entity ref');
    table.string('created_at', 32).notNullable();
    table.string('updated_at', 32).notNullable();
    table
      .string('updated_by', 255)
      .nullable()
      .comment('Who set or cleared the value last, e.g. user:default/bob');
    table.string('last_used_at', 32).nullable();
    table
      .string('last_used_by', 255)
      .nullable()
      .comment('The plugin that used the value last, e.g. plugin:catalog');
    table
      .string('entity_missing_since', 32)
      .nullable()
      .comment('When the entity was first found missing from the catalog');
    table.primary(['name', 'entity_ref']);
    table.index(['key_id'], 'entity_secrets_key_id_idx');
    table.index(['entity_ref'], 'entity_secrets_entity_ref_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('entity_secrets');
};
