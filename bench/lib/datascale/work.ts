import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { apportion, DAY, YEAR } from './rand.js';
import { inserter, logEvent, type FindingInfo, type Gen, type People, type Person, type ProjectInfo } from './gen.js';
import { campaignsOf, planStory, writeRemediation, type Campaign, type Story } from './remediation.js';
import { findingText, projectName } from './text.js';

/**
 * Projects (with their team), findings (drafts and published, with their remediation stories),
 * evidence files and report files. Client 0 holds the big project (`big` findings) and, in it,
 * the big finding. Files are written under `uploadsDir` the way services/storage.ts names them.
 */
export interface Work {
  projects: ProjectInfo[];
  findings: FindingInfo[];
  bigProject: string;
  bigFinding: string;
  counts: { requests: number; rounds: number; evidence: number; reports: number };
}

const FINDING_COLS = [
  'id',
  'project_id',
  'client_id',
  'title',
  'severity',
  'description',
  'impact',
  'remediation',
  'technical_details',
  'cvss_vector',
  'cvss_version',
  'cvss_score',
  'references_json',
  'affected_assets_json',
  'status',
  'published',
  'published_at',
  'internal_notes',
  'version',
  'created_by',
  'created_at',
  'updated_at',
  'due_paused_ms',
  'due_paused_at',
];

export function makeWork(g: Gen, people: People, n: { projects: number; findings: number; big: number }): Work {
  const { r, now, sqlite } = g;
  const project = inserter(sqlite, 'projects', [
    'id',
    'client_id',
    'name',
    'status',
    'start_date',
    'end_date',
    'description',
    'created_by',
    'created_at',
    'updated_at',
  ]);
  const team = inserter(sqlite, 'project_team', ['project_id', 'user_id']);
  const finding = inserter(sqlite, 'findings', FINDING_COLS);
  const files = fileWriter(g);
  const counts = { requests: 0, rounds: 0, evidence: 0, reports: 0 };

  // The busy client has about 3% of the projects; the others share the rest unevenly.
  const clientWeights = people.clients.map((_, c) => (c === 0 ? 0.03 * people.clients.length : r.exp(1)));
  const perClient = apportion(n.projects, clientWeights).map((k) => Math.max(1, k));
  const plan: { client: number; start: number; end: number; big: boolean }[] = [];
  perClient.forEach((k, c) => {
    const from = people.clients[c]!.createdAt + 7 * DAY;
    for (let i = 0; i < k; i++) {
      const start = Math.floor(r.range(from, now + 20 * DAY));
      plan.push({ client: c, start, end: start + r.int(10, 45) * DAY, big: c === 0 && i === 0 });
    }
  });
  const bigPlan = plan.find((p) => p.big)!;
  Object.assign(bigPlan, { start: now - 400 * DAY, end: now + 30 * DAY });
  const weights = plan.map((p) => (p.big || p.start > now ? 0 : 0.2 + r.exp(1)));
  const perProject = apportion(n.findings - n.big, weights);

  const projects: ProjectInfo[] = [];
  const findings: FindingInfo[] = [];
  let bigFinding = '';
  plan.forEach((p, pi) => {
    const c = people.clients[p.client]!;
    const id = r.uuid();
    const status = p.start > now ? 'planned' : p.end > now ? 'active' : p.end < now - 2 * YEAR && r.chance(0.3) ? 'archived' : 'completed';
    const members = r.sample(people.analysts, r.int(1, 3));
    if (p.big && !members.includes(people.analysts[0]!)) members.push(people.analysts[0]!);
    const createdBy = r.pick(people.staff);
    const created = Math.min(p.start - 5 * DAY, now - DAY);
    const year = new Date(p.start).getUTCFullYear();
    const name = p.big ? `Continuous assessment programme ${year}` : projectName(r, year);
    project(id, c.id, name, status, iso(p.start), iso(p.end), p.big ? 'Ongoing testing of every internet-facing system.' : '', createdBy.id, created, created);
    for (const m of members) {
      team(id, m.id);
      c.staff.add(m);
    }
    logEvent(g, { at: created, client_id: c.id, type: 'project:updated', audience: 'all', entity_id: id, data: '{}' });
    projects.push({ id, client: p.client, team: members });

    const campaigns = campaignsOf(g, c, p.start);
    const stories = new Map<string, Story>();
    const count = p.big ? n.big : perProject[pi]!;
    const lastCreate = Math.min(p.end, now - 3_600_000);
    for (let k = 0; k < count; k++) {
      const t = findingText(r, c.domain);
      const fid = r.uuid();
      const author = r.pick(members);
      const createdAt = Math.floor(r.range(Math.min(p.start, lastCreate - DAY), lastCreate));
      const draftOdds = p.big ? 0.1 : status === 'active' ? 0.25 : 0.03;
      let publishedAt: number | null = Math.floor(createdAt + r.range(0.1, 7) * DAY);
      if (publishedAt > now - 60_000 || r.chance(draftOdds)) publishedAt = null;
      const isBig = p.big && k === 0;
      if (isBig) {
        bigFinding = fid;
        publishedAt = now - 120 * DAY;
        campaigns.push(...bigCampaigns(g, c.managers[0]!));
      }
      let story: Story | null = null;
      if (publishedAt !== null) {
        const own = isBig ? campaigns.slice(-3) : campaigns;
        story = planStory(
          g,
          { id: fid, severity: isBig ? 'high' : t.severity, publishedAt, publisher: author.id, team: members, client: c },
          own,
          isBig ? ['not_fixed', 'partially_fixed', null] : undefined,
        );
        stories.set(fid, story);
      } else {
        logEvent(g, { at: createdAt, client_id: c.id, type: 'finding:updated', audience: 'staff', entity_id: fid, data: '{}' });
      }
      const title = isBig ? `Broken access control across the customer API (${c.domain})` : t.title;
      finding(
        fid,
        id,
        c.id,
        title,
        isBig ? 'high' : t.severity,
        t.description,
        t.impact,
        t.remediation,
        t.technical_details,
        t.cvss.cvss_vector,
        t.cvss.cvss_version,
        t.cvss.cvss_score,
        t.references_json,
        t.affected_assets_json,
        story?.status ?? 'open',
        publishedAt === null ? 0 : 1,
        publishedAt,
        t.internal_notes,
        r.int(1, 4),
        author.id,
        isBig ? publishedAt! - DAY : createdAt,
        story?.updatedAt ?? createdAt,
        story?.pausedMs ?? 0,
        story?.pausedAt ?? null,
      );
      findings.push({ id: fid, client: p.client, project: pi, title, published: publishedAt !== null, createdAt, publishedAt });
      const evidence = isBig ? 6 : r.chance(0.04) ? r.int(1, 3) : 0;
      for (let e = 0; e < evidence; e++) files.evidence(fid, c.id, author, publishedAt !== null && r.chance(0.7), createdAt + e * 60_000);
      counts.evidence += evidence;
    }
    const rem = writeRemediation(g, c.id, campaigns, stories);
    counts.requests += rem.requests;
    counts.rounds += rem.rounds;
    if (status === 'completed' || status === 'archived') counts.reports += files.reports(id, c.id, members[0]!, p.end, r.chance(0.3) ? 2 : 1, true);
    else if (status === 'active' && r.chance(0.3)) counts.reports += files.reports(id, c.id, members[0]!, Math.min(now - DAY, p.end), 1, false);
  });
  return { projects, findings, bigProject: projects[plan.indexOf(bigPlan)]!.id, bigFinding, counts };
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

/** The big finding's three rounds: a retest request found it not fixed, then partly fixed; the third waits for a verdict. */
function bigCampaigns(g: Gen, manager: Person): Campaign[] {
  const at = (days: number) => g.now - days * DAY;
  return [
    { at: at(100), request: { id: g.r.uuid(), requester: manager, message: 'Please retest the access control fixes.' }, findings: [], rounds: [] },
    { at: at(60), request: null, findings: [], rounds: [] },
    { at: at(10), request: null, findings: [], rounds: [] },
  ];
}

/** Evidence (plain-text files: no image work) and report rows, with their files on disk when an uploads folder is given. */
function fileWriter(g: Gen) {
  const { r, sqlite } = g;
  const evidence = inserter(sqlite, 'evidence', [
    'id',
    'finding_id',
    'client_id',
    'kind',
    'original_file',
    'original_name',
    'mime',
    'size',
    'width',
    'height',
    'client_file',
    'client_thumb_file',
    'caption',
    'shared',
    'created_by',
    'created_at',
  ]);
  const report = inserter(sqlite, 'reports', [
    'id',
    'project_id',
    'client_id',
    'title',
    'version',
    'file',
    'original_name',
    'size',
    'sha256',
    'published',
    'published_at',
    'created_by',
    'created_at',
  ]);
  const store = (folder: 'evidence' | 'reports', ext: string, data: Buffer) => {
    const name = `${folder}/${r.hex(32)}.${ext}`;
    if (g.uploadsDir) {
      mkdirSync(path.join(g.uploadsDir, folder), { recursive: true, mode: 0o700 });
      writeFileSync(path.join(g.uploadsDir, name), data, { mode: 0o600 });
    }
    return name;
  };
  return {
    evidence(findingId: string, clientId: string, by: Person, shared: boolean, at: number) {
      const data = Buffer.from(`Nmap scan report for ${findingId}\nPORT    STATE SERVICE\n443/tcp open  https\n${'x'.repeat(r.int(200, 2000))}\n`);
      const file = store('evidence', 'txt', data);
      evidence(
        r.uuid(),
        findingId,
        clientId,
        'file',
        file,
        `scan-${r.hex(6)}.txt`,
        'text/plain',
        data.length,
        null,
        null,
        file,
        null,
        r.chance(0.5) ? 'Scanner output' : '',
        shared ? 1 : 0,
        by.id,
        at,
      );
    },
    reports(projectId: string, clientId: string, by: Person, at: number, versions: number, published: boolean): number {
      for (let v = 1; v <= versions; v++) {
        const data = Buffer.from(`%PDF-1.4\n% Datascale report ${projectId} v${v}\n${'%'.repeat(r.int(500, 5000))}\n%%EOF\n`);
        const when = Math.min(g.now - 60_000, at + (v - 1) * 14 * DAY);
        const sha = createHash('sha256').update(data).digest('hex');
        const id = r.uuid();
        report(
          id,
          projectId,
          clientId,
          'Penetration test report',
          v,
          store('reports', 'pdf', data),
          `report-v${v}.pdf`,
          data.length,
          sha,
          published ? 1 : 0,
          published ? when : null,
          by.id,
          when,
        );
        if (published) logEvent(g, { at: when, client_id: clientId, type: 'report:published', audience: 'all', entity_id: id, data: '{}' });
      }
      return versions;
    },
  };
}
