import type { Db } from '../db/client.js';
import type { Config } from './config.js';
import type { AppDeps, CommandContext } from './context.js';
import type { Logger } from './logger.js';
import { buildDeps } from './deps.js';
import { createSession } from './auth/session.js';
import { endSessionRows } from './repositories/sessions.js';
import { resolveViewer } from './auth/access.js';
import { CommentInput } from './contracts/comments.js';
import { MessageSendInput } from './contracts/realtime.js';
import { RemediationSubmitInput, RetestRequestInput, VerdictInput } from './contracts/remediation.js';
import { FindingInput, ProjectInput } from './contracts/workspace.js';
import { createProject } from './commands/projects/create.js';
import { createFinding } from './commands/findings/create.js';
import { setFindingPublished } from './commands/findings/publish.js';
import { changeFindingStatus } from './commands/findings/change-status.js';
import { submitRemediation } from './commands/remediation/submit.js';
import { giveVerdict } from './commands/remediation/verdict.js';
import { requestRetest } from './commands/remediation/request-retest.js';
import { createComment } from './commands/comments/create.js';
import { sendMessage } from './commands/chat/send.js';
import { FINDINGS, PROJECTS, type DemoFinding } from '../db/seed-workspace.js';

/**
 * `npm run demo`'s adapter to the commands (it drives them as routes do, so it lives in server/,
 * not db/, which must not import commands). The demo engagement, played through the product's own commands (`npm run demo`): staff create
 * projects and findings and publish them, a client Manager marks fixes remediated and asks for a
 * retest, the analyst gives verdicts, people comment and chat. So every seeded status has the
 * history, rounds, notifications, event log and audit rows the workflow gives it, and every count
 * the pages show equals the list behind it. The story's clock starts three weeks ago and moves on.
 */

export interface StoryPerson {
  id: string;
  kind: 'staff' | 'portal';
  role: string;
  name: string;
  clientId: string | null;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

const silent: Logger = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as unknown as Logger;

/** A signed-in context for one person, made the way a request's is (a session, resolved by the one validator). */
async function contextOf(db: Db, config: Config, person: StoryPerson, now: number): Promise<CommandContext> {
  const { token } = await createSession(db, { userId: person.id, mfaVerified: true, ip: null, userAgent: 'npm run demo' }, now, {
    idleMs: 365 * DAY,
    absoluteMs: 365 * DAY,
  });
  const r = await resolveViewer(db, config, token, now, null, false);
  if (!r.viewer) throw new Error(`demo: ${person.name} could not act (${r.problem ?? 'no session'})`);
  return {
    viewer: r.viewer,
    audit: { actorId: person.id, actorEmail: r.viewer.user.email, actorKind: person.kind, clientId: person.clientId, userAgent: 'npm run demo' },
  };
}

const findingInput = (f: DemoFinding) =>
  FindingInput.parse({
    title: f.title,
    severity: f.severity,
    description: f.description,
    impact: f.impact,
    remediation: f.remediation,
    technicalDetails: f.technical,
    cvssVector: f.cvss,
    references: f.references,
    affectedAssets: f.assets,
    internalNotes: f.internal,
  });

/** Play the engagement for every client; the demo sessions used to act are ended afterwards. */
export async function seedStory(db: Db, config: Config, people: StoryPerson[]): Promise<void> {
  let t = Date.now() - 21 * DAY;
  const step = (ms = HOUR) => (t += ms);
  const deps: AppDeps = await buildDeps({ db, config, logger: silent, clock: () => t });
  const admin = people.find((p) => p.kind === 'staff' && p.role === 'admin')!;
  const analyst = people.find((p) => p.kind === 'staff' && p.role === 'analyst') ?? admin;
  const as = new Map<string, CommandContext>();
  for (const p of people) as.set(p.id, await contextOf(db, config, p, t));
  const ctx = (p: StoryPerson) => as.get(p.id)!;
  let n = 0;
  const cid = () => `demo${(++n).toString(36).padStart(6, '0')}`;
  try {
    for (const clientId of [...new Set(people.map((p) => p.clientId).filter((c): c is string => !!c))]) {
      const manager = people.find((p) => p.clientId === clientId && p.role === 'manager')!;
      const team = [admin.id, analyst.id];
      const ids = new Map<string, string>();
      for (const project of PROJECTS) {
        step();
        const p = await createProject(
          deps,
          ctx(admin),
          clientId,
          ProjectInput.parse({
            name: project.name,
            status: project.status,
            startDate: project.start,
            endDate: project.end,
            description: `Scope agreed in the statement of work for ${project.name.toLowerCase()}.`,
            teamUserIds: team,
          }),
        );
        for (const f of project.findings) {
          step();
          const made = await createFinding(deps, ctx(analyst), p.id, findingInput(f));
          if (f.publish) {
            step(10 * 60_000);
            await setFindingPublished(deps, ctx(analyst), made.id, true, true); // the analyst confirmed who is notified
          }
          if (project.status === 'active') ids.set(f.title, made.id);
          await playStatus(f, made.id);
        }
      }

      // The first published finding gets a short discussion: the Manager asks (mentioning the analyst), the analyst answers, and notes internally.
      const first = ids.get(FINDINGS[0]!.title)!;
      step(DAY);
      const say = (who: StoryPerson, body: string, internal = false) =>
        createComment(deps, ctx(who), first, CommentInput.parse({ body, clientMessageId: cid(), ...(internal ? { internal } : {}) }));
      await say(manager, `@[${analyst.name}](${analyst.id}) we deployed a fix to staging yesterday. Can you confirm the approach before we roll it out?`);
      step(10 * 60_000);
      await say(analyst, 'Thanks! The approach looks right. Mark the finding remediated once it is in production and we will retest.');
      step(10 * 60_000);
      await say(analyst, 'Internal: schedule the retest together with the quarterly scan.', true);

      // The chat channel.
      step(HOUR);
      const chat = (who: StoryPerson, body: string) =>
        sendMessage(deps, ctx(who), MessageSendInput.parse({ ...(who.kind === 'staff' ? { clientId } : {}), body, clientMessageId: cid() }));
      await chat(manager, 'Hello! Quick question about the report: is the retest included in this engagement?');
      step(5 * 60_000);
      await chat(analyst, 'Hi — yes, one retest round per finding is included. Mark findings remediated when you are ready.');

      // The Manager asks for a retest of the fix waiting for verification: it joins its open round.
      const waiting = FINDINGS.filter((f) => f.status === 'pending_verification').map((f) => ids.get(f.title)!);
      step(HOUR);
      if (waiting.length)
        await requestRetest(
          deps,
          ctx(manager),
          RetestRequestInput.parse({ findingIds: waiting, message: 'Patched on the 14th; please retest before the board meeting.' }),
        );

      /** Reach the finding's demo status the way the workflow does. */
      async function playStatus(f: DemoFinding, findingId: string): Promise<void> {
        const submit = async (notes: string) => {
          step(2 * DAY);
          await submitRemediation(deps, ctx(manager), findingId, RemediationSubmitInput.parse({ notes }));
        };
        const verdict = async (verdict: 'verified_fixed' | 'not_fixed' | 'partially_fixed', notes = '') => {
          step(DAY);
          await giveVerdict(deps, ctx(analyst), findingId, VerdictInput.parse({ verdict, notes }));
        };
        switch (f.status) {
          case 'open':
            return;
          case 'pending_verification':
            return submit(f.fix ?? 'Fixed.');
          case 'verified_fixed':
            await submit(f.fix ?? 'Fixed.');
            return verdict('verified_fixed', 'Retested: the fix holds.');
          case 'not_fixed':
          case 'partially_fixed':
            await submit(f.fix ?? 'Fixed.');
            return verdict(f.status, f.verdictNotes ?? 'The issue can still be reproduced.');
          case 'risk_accepted':
          case 'closed':
            step(DAY);
            await changeFindingStatus(deps, ctx(analyst), findingId, { status: f.status, note: f.verdictNotes ?? '' });
            return;
        }
      }
    }
    await deps.writes.drain?.();
  } finally {
    // The story's own sessions end without a reason: nobody was signed out.
    for (const p of people) await endSessionRows(db, (eb) => eb('user_id', '=', p.id), null, Date.now());
  }
}
