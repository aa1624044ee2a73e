import { randomUUID } from 'node:crypto';
import type { Db } from './client.js';

/**
 * Demo conversation for a first look (`npm run demo`): on each client's first published finding a
 * client question, the analyst's answer and an internal note; and a short exchange in each
 * client's chat channel. Written directly (the live feed starts with the server).
 */
export async function seedCollaboration(
  db: Db,
  people: { id: string; kind: 'staff' | 'portal'; role: string; clientId: string | null; name: string }[],
): Promise<void> {
  const analyst = people.find((p) => p.kind === 'staff' && p.role === 'analyst') ?? people.find((p) => p.kind === 'staff');
  if (!analyst) return;
  const now = Date.now();
  let n = 0;
  const cid = () => `demo${(++n).toString(36).padStart(6, '0')}`;
  await db.transaction().execute(async (trx) => {
    for (const clientId of [...new Set(people.map((p) => p.clientId).filter((c): c is string => !!c))]) {
      const manager = people.find((p) => p.clientId === clientId && p.role === 'manager');
      if (!manager) continue;
      const finding = await trx
        .selectFrom('findings')
        .select('id')
        .where('client_id', '=', clientId)
        .where('published', '=', 1)
        .orderBy('created_at')
        .executeTakeFirst();
      if (finding) {
        const comments = [
          {
            author: manager,
            body: `@[${analyst.name}](${analyst.id}) we deployed a fix to staging yesterday. Can you confirm the approach before we roll it out?`,
            internal: 0,
            at: now - 3_600_000,
          },
          {
            author: analyst,
            body: 'Thanks! The approach looks right. Mark the finding remediated once it is in production and we will retest.',
            internal: 0,
            at: now - 3_000_000,
          },
          { author: analyst, body: 'Internal: schedule the retest together with the quarterly scan.', internal: 1, at: now - 2_400_000 },
        ];
        for (const c of comments) {
          await trx
            .insertInto('comments')
            .values({
              id: randomUUID(),
              finding_id: finding.id,
              client_id: clientId,
              author_id: c.author.id,
              body: c.body,
              internal: c.internal,
              shared_by: null,
              shared_at: null,
              client_message_id: cid(),
              created_at: c.at,
              edited_at: null,
              deleted_at: null,
            })
            .execute();
        }
        await trx
          .insertInto('finding_followers')
          .values([
            { finding_id: finding.id, user_id: manager.id },
            { finding_id: finding.id, user_id: analyst.id },
          ])
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      const chat = [
        { author: manager, body: 'Hello! Quick question about the report: is the retest included in this engagement?', at: now - 7_200_000 },
        { author: analyst, body: 'Hi — yes, one retest round per finding is included. Mark findings remediated when you are ready.', at: now - 7_000_000 },
      ];
      for (const m of chat) {
        await trx
          .insertInto('chat_messages')
          .values({ client_id: clientId, author_id: m.author.id, body: m.body, client_message_id: cid(), created_at: m.at, edited_at: null, deleted_at: null })
          .execute();
      }
    }
  });
}
