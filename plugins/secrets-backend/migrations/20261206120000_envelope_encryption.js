// @ts-check

/**
 * Envelope encryption: every row written from now on is encrypted with a
 * data key of its own, wrapped by a key provider (`local`, `aws-kms`, …).
 * The row keeps the wrapped data key and the provider's id beside the key
 * id (which may now be a KMS key ARN, hence the wider column). Rows written
 * before keep both new columns null and are read as before, until the
 * re-wrap pass moves them.
 */
const TABLES = ['secrets', 'secret_versions', 'user_secrets'];

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  const sqlite = String(knex.client.config.client).includes('sqlite');
  for (const name of TABLES) {
    await knex.schema.alterTable(name, table => {
      table
        .string('key_provider', 64)
        .nullable()
        .comment(
          'The key provider that wrapped the data key; null: written before envelope encryption',
        );
      table
        .text('wrapped_key')
        .nullable()
        .comment(
          'base64 of the data key as the key provider wrapped it; never the data key itself',
        );
      // SQLite does not enforce string lengths; elsewhere make room for
      // KMS key ARNs.
      if (!sqlite) {
        table.string('key_id', 255).alter({ alterNullable: false });
      }
    });
  }
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  for (const name of TABLES) {
    await knex.schema.alterTable(name, table => {
      table.dropColumn('wrapped_key');
      table.dropColumn('key_provider');
    });
  }
};
