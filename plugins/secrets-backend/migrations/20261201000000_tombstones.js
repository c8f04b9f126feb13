// @ts-check

/**
 * Clearing a secret keeps its row as a tombstone (no ciphertext, no key id)
 * instead of deleting it, so that versions are monotonic per name across
 * clears: `(name, version)` is never reused, and a key rotation pass that
 * read an old row can never mistake a newer value for it.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('secrets', table => {
    table
      .text('ciphertext')
      .nullable()
      .comment('base64 of nonce | ciphertext | tag; null once cleared')
      .alter();
    table
      .string('key_id', 64)
      .nullable()
      .comment('Id of the key that encrypted the row; null once cleared')
      .alter();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex('secrets').whereNull('ciphertext').delete();
  await knex.schema.alterTable('secrets', table => {
    table.text('ciphertext').notNullable().alter();
    table.string('key_id', 64).notNullable().alter();
  });
};
