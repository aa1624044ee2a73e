import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Db } from './client.js';
import { connectDatabase, describeTarget } from './client.js';
import { migrateToLatest } from './migrate.js';
import type { NewUser, PortalRole, StaffRole } from './schema.js';
import { loadConfig, type Config } from '../server/config.js';
import { hashPassword, passwordProblem } from '../server/auth/password.js';
import { randomToken } from '../server/auth/tokens.js';
import { newTotpSecret, sealTotpSecret } from '../server/auth/totp.js';
import { replaceRecoveryCodes } from '../server/auth/recovery-codes.js';
import { writeAudit } from '../server/audit.js';
import { seedStory } from '../server/demo-story.js';

/**
 * Demo data for a first look (`npm run demo`): the firm "Northwind Security", an admin and an
 * analyst, and two clients with a Manager, a Collaborator and a Viewer each, each client with an
 * active, a completed and a planned project and findings of every severity (db/seed-workspace.ts),
 * brought to their statuses through the product's own commands (server/demo-story.ts). Every account is
 * active with a random password and an enrolled authenticator; both are printed once, here.
 * It refuses to touch a database that already has any account or client, so it can never
 * overwrite real data.
 */

const FIRM = { name: 'Northwind Security', supportEmail: 'support@northwind.example', supportPhone: '+44 20 7946 0123' };

interface Person {
  kind: 'staff' | 'portal';
  role: StaffRole | PortalRole;
  name: string;
  email: string;
  client?: string;
}

const STAFF: Person[] = [
  { kind: 'staff', role: 'admin', name: 'Ada Whitfield', email: 'ada@northwind.example' },
  { kind: 'staff', role: 'analyst', name: 'Sam Okafor', email: 'sam@northwind.example' },
];
const CLIENTS: { name: string; domain: string; people: [PortalRole, string][] }[] = [
  {
    name: 'Contoso Ltd',
    domain: 'contoso.example',
    people: [
      ['manager', 'Carla Mendes'],
      ['collaborator', 'Dev Patel'],
      ['viewer', 'Erin Walsh'],
    ],
  },
  {
    name: 'Fabrikam Inc',
    domain: 'fabrikam.example',
    people: [
      ['manager', 'Felix Braun'],
      ['collaborator', 'Grace Lin'],
      ['viewer', 'Hugo Rossi'],
    ],
  },
];

interface Seeded extends Person {
  id: string;
  password: string;
  totpSecret: string;
  /** Ten single-use recovery codes, as an enrolment gives them (stored hashed; printed once). */
  recoveryCodes: string[];
}

/** A strong random password (100 bits), in groups of five so it can be typed. */
function demoPassword(): string {
  const pw = randomToken(13).slice(0, 20).match(/.{5}/g)!.join('-');
  if (passwordProblem(pw)) throw new Error('generated password refused by the password policy');
  return pw;
}

async function isEmpty(db: Db): Promise<boolean> {
  const user = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  const client = await db.selectFrom('clients').select('id').limit(1).executeTakeFirst();
  return !user && !client;
}

async function seed(config: Config): Promise<Seeded[]> {
  mkdirSync(config.uploadsDir, { recursive: true });
  const { db, close } = connectDatabase(config.database);
  try {
    await migrateToLatest(db);
    if (!(await isEmpty(db))) {
      throw new SeedRefused(
        `The database (${describeTarget(config.database)}) already has accounts or clients. The demo seed only runs on an empty database, so nothing was changed.`,
      );
    }
    const now = Date.now();
    const clientIds = new Map(CLIENTS.map((c) => [c.name, randomUUID()]));
    const people: Person[] = [
      ...STAFF,
      ...CLIENTS.flatMap((c) =>
        c.people.map(([role, name]): Person => ({ kind: 'portal', role, name, client: c.name, email: `${name.split(' ')[0]!.toLowerCase()}@${c.domain}` })),
      ),
    ];
    // argon2 runs before the transaction: never await slow work while holding the write lock.
    const seeded: Seeded[] = [];
    const rows: NewUser[] = [];
    for (const p of people) {
      const id = randomUUID();
      const password = demoPassword();
      const totpSecret = newTotpSecret();
      seeded.push({ ...p, id, password, totpSecret, recoveryCodes: [] });
      rows.push({
        id,
        kind: p.kind,
        role: p.role,
        client_id: p.client ? clientIds.get(p.client)! : null,
        email: p.email,
        name: p.name,
        password_hash: await hashPassword(password),
        status: 'active',
        created_at: now,
        updated_at: now,
        last_login_at: null,
        totp_secret_enc: sealTotpSecret(config, id, totpSecret),
        totp_pending_enc: null,
        totp_last_step: null,
      });
    }
    await db.transaction().execute(async (trx) => {
      // Checked again inside the transaction: a server or second seeder may have written meanwhile.
      const taken = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst();
      if (taken) throw new SeedRefused('Accounts appeared while seeding; nothing was changed.');
      await trx
        .insertInto('firm')
        .values({
          id: 1,
          name: FIRM.name,
          support_email: FIRM.supportEmail,
          support_phone: FIRM.supportPhone,
          mfa_required_for_staff: 1,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc
            .column('id')
            .doUpdateSet({ name: FIRM.name, support_email: FIRM.supportEmail, support_phone: FIRM.supportPhone, mfa_required_for_staff: 1, updated_at: now }),
        )
        .execute();
      await trx
        .insertInto('clients')
        .values(CLIENTS.map((c) => ({ id: clientIds.get(c.name)!, name: c.name, portal_enabled: 1, created_at: now, updated_at: now })))
        .execute();
      await trx.insertInto('users').values(rows).execute();
      for (const p of seeded) p.recoveryCodes = await replaceRecoveryCodes(trx, p.id, now);
      await writeAudit(
        trx,
        { actorEmail: 'npm run demo' },
        { action: 'demo.seeded', outcome: 'success', details: { users: rows.length, clients: CLIENTS.length } },
        now,
      );
    });
    // The engagement is played through the product's commands, as its people would (server/demo-story.ts).
    await seedStory(
      db,
      config,
      seeded.map((s) => ({ id: s.id, kind: s.kind, role: s.role, name: s.name, clientId: s.client ? clientIds.get(s.client)! : null })),
    );
    return seeded;
  } finally {
    await close();
  }
}

class SeedRefused extends Error {}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** `debrief demo`: fill an empty data folder with the demo firm and print its sign-ins once. */
export async function demo(): Promise<void> {
  // A bad setting throws ConfigError: server/cli.ts prints its one line and exits 1.
  const config = loadConfig();
  let seeded: Seeded[];
  try {
    seeded = await seed(config);
  } catch (err) {
    if (err instanceof SeedRefused) {
      process.stderr.write(
        `Demo seed refused: ${err.message}\n${config.database.kind === 'sqlite' ? 'Use an empty data folder, e.g. DATA_DIR=./demo-data npm run demo' : 'Use an empty PostgreSQL database'}\n`,
      );
      process.exit(1);
    }
    throw err;
  }
  const label = (p: Seeded) => (p.kind === 'staff' ? `Staff ${p.role}` : `${p.client} ${p.role}`);
  const out = [
    `Demo data created in ${describeTarget(config.database)}`,
    `Firm: ${FIRM.name} (two-factor authentication required for staff). Clients: ${CLIENTS.map((c) => c.name).join(', ')}.`,
    '',
    table([
      ['Who', 'Name', 'Email', 'Password', 'Authenticator key (base32, TOTP SHA-1, 6 digits, 30 s)'],
      ...seeded.map((p) => [label(p), p.name, p.email, p.password, p.totpSecret]),
    ]),
    '',
    'Recovery codes (each works once instead of an authenticator code):',
    ...seeded.map((p) => `  ${p.email}: ${p.recoveryCodes.join(' ')}`),
    '',
    'Passwords, authenticator keys and recovery codes are shown only now. Add a key to an authenticator app with',
    '"enter a setup key" (time-based), then sign in at ' + config.publicUrl + '/login.',
    'These are demo accounts: do not use this data folder in production.',
    '',
  ];
  process.stdout.write(out.join('\n'));
}
