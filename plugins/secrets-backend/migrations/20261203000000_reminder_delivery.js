// @ts-check

/**
 * A rotation reminder is claimed before it is sent and confirmed once the
 * notification service accepted it. `sent_at` is that confirmation: a row
 * without it is a claim in progress, and a claim that stays unconfirmed
 * (its replica died between claiming and sending) is sent again by a later
 * run instead of being lost. Reminders recorded before this migration were
 * sent: they are confirmed at their notification time.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('secret_reminders', table => {
    table
      .string('sent_at', 32)
      .nullable()
      .comment(
        'When the notification service accepted the reminder (ISO-8601 UTC); null while it is being sent',
      );
  });
  await knex('secret_reminders').update({ sent_at: knex.ref('notified_at') });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('secret_reminders', table => {
    table.dropColumn('sent_at');
  });
};
