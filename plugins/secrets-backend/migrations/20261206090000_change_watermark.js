// @ts-check

/**
 * One counter that every change of a stored value, a user's value or a
 * grant moves forward. Readers poll it with their own token (a cheap,
 * authenticated read), so a change whose event they missed, or an event
 * bus that someone floods with fake heartbeats, never keeps a stale value
 * for longer than their poll interval.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('secret_change_watermark', table => {
    table.comment('The number of changes of stored secrets so far (one row)');
    table.integer('id').primary().comment('Always 1');
    table
      .bigInteger('changes')
      .notNullable()
      .comment('Moves forward on every change; readers compare it');
  });
  await knex('secret_change_watermark').insert({ id: 1, changes: 0 });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('secret_change_watermark');
};
