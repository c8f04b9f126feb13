// @ts-check

const columns = require('./lib/columns');

/**
 * The last versions of each shared secret (`secrets.history.keep`, default
 * 10), encrypted exactly like the current value: the same ciphertext, whose
 * associated data binds name and version, so a row copied to another name
 * or version fails to decrypt. A restore writes a history version as a new
 * version; history is never rewritten (key rotation only re-encrypts it).
 *
 * Values stored before this migration are seeded as their current version,
 * so that they can be restored after the next change.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('secret_versions', table => {
    table.comment(
      'Earlier versions of shared secrets, encrypted with AES-256-GCM like the current one',
    );
    columns.secretName(table);
    columns
      .version(table)
      .comment('The version as it was stored; bound into the associated data');
    // Exactly the current value's columns: history rows hold its very
    // ciphertext.
    columns.encryptedValue(table);
    table
      .string('created_at', 32)
      .notNullable()
      .comment('When this version was written (ISO-8601 UTC)');
    table
      .string('created_by', 255)
      .notNullable()
      .comment('Who wrote this version');
    table
      .integer('restored_from')
      .nullable()
      .comment('The version a restore copied, when a restore wrote this one');
    table.primary(['name', 'version']);
    table.index(['key_id'], 'secret_versions_key_id_idx');
  });
  // The version that is current now was written at updated_at by updated_by.
  await knex.raw(
    `INSERT INTO secret_versions (name, version, ciphertext, key_id, created_at, created_by)
     SELECT name, version, ciphertext, key_id, updated_at, updated_by
     FROM secrets WHERE ciphertext IS NOT NULL`,
  );
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('secret_versions');
};
