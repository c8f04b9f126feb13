// @ts-check

/**
 * Columns that several migrations define alike. knex runs only the files
 * directly in `migrations/`, so nothing in this folder is ever run as a
 * migration.
 *
 * Migrations that have already run on adopters' databases depend on the
 * exact output of these functions: never change one (no type, length,
 * nullability or comment), or a fresh database would no longer match an
 * upgraded one. A new need gets a new function.
 */

/**
 * @typedef {import('knex').Knex.CreateTableBuilder} TableBuilder
 * @typedef {import('knex').Knex.ColumnBuilder} ColumnBuilder
 */

/**
 * The secret's name, e.g. OPENAI_API_KEY: part of every table's key.
 *
 * @param {TableBuilder} table
 * @returns {ColumnBuilder}
 */
function secretName(table) {
  return table.string('name', 128).notNullable();
}

/**
 * A stored value's version (1 on first set, +1 per write): the one a row
 * holds, bound into its ciphertext's associated data, or the one it is
 * about.
 *
 * @param {TableBuilder} table
 * @returns {ColumnBuilder}
 */
function version(table) {
  return table.integer('version').notNullable();
}

/**
 * A value encrypted with AES-256-GCM, in a table whose rows always hold
 * one: the ciphertext and the id of the key that encrypted it.
 *
 * @param {TableBuilder} table
 */
function encryptedValue(table) {
  table
    .text('ciphertext')
    .notNullable()
    .comment('base64 of nonce | ciphertext | tag');
  table
    .string('key_id', 64)
    .notNullable()
    .comment('Id of the key that encrypted the row');
}

module.exports = { secretName, version, encryptedValue };
