import type { Severity } from '../../../db/schema.js';
import { cvssColumns, type CvssColumns } from '../../../server/commands/findings/cvss-columns.js';
import type { Rand } from './rand.js';

/** The words of the generated firm: people, organisations, and findings written the way testers write them (markdown). */

const FIRST = ['Ada', 'Ben', 'Chloe', 'Dev', 'Elena', 'Farid', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Kira', 'Liam', 'Maya', 'Nils', 'Olga', 'Pavel'];
const LAST = ['Adams', 'Berg', 'Costa', 'Dubois', 'Evans', 'Fischer', 'Garcia', 'Haas', 'Ito', 'Jensen', 'Kowalski', 'Lind', 'Moreau', 'Novak', 'Okafor'];
const ORG_A = ['Northwind', 'Bluefin', 'Harbor', 'Granite', 'Aurora', 'Cedar', 'Summit', 'Orchid', 'Beacon', 'Ironwood', 'Juniper', 'Meridian'];
const ORG_B = ['Logistics', 'Health', 'Bank', 'Retail', 'Energy', 'Insurance', 'Media', 'Foods', 'Telecom', 'Pharma', 'Labs', 'Capital'];
const PROJECT_KIND = [
  'External penetration test',
  'Web application assessment',
  'Internal network test',
  'Cloud configuration review',
  'Mobile app test',
  'API assessment',
  'Red team exercise',
  'Retest',
];

export const personName = (r: Rand, i: number) => `${r.pick(FIRST)} ${r.pick(LAST)}${i >= 200 ? ` ${i}` : ''}`;
export const orgName = (r: Rand, i: number) => `${r.pick(ORG_A)} ${r.pick(ORG_B)} ${i + 1}`;
export const projectName = (r: Rand, year: number) => `${r.pick(PROJECT_KIND)} ${year} Q${r.int(1, 4)}`;

const TITLES: readonly (readonly [string, Severity])[] = [
  ['SQL injection in the search endpoint', 'critical'],
  ['Remote code execution through file upload', 'critical'],
  ['Authentication bypass on the admin API', 'critical'],
  ['Stored cross-site scripting in comments', 'high'],
  ['Insecure direct object reference on invoices', 'high'],
  ['Server-side request forgery in the URL preview', 'high'],
  ['Outdated TLS configuration', 'medium'],
  ['Missing rate limiting on login', 'medium'],
  ['Session cookie without Secure flag', 'medium'],
  ['Verbose error messages disclose stack traces', 'low'],
  ['Clickjacking on the account page', 'low'],
  ['Software versions disclosed in headers', 'informational'],
  ['Directory listing enabled', 'low'],
  ['Weak password policy', 'medium'],
  ['Open redirect after sign-in', 'medium'],
];
const HOSTS = ['app', 'api', 'portal', 'vpn', 'mail', 'intranet', 'billing', 'cdn', 'auth', 'files'];

/** Base CVSS 3.1 vectors, scored by the server's own CVSS code (columns exactly as a write stores them). */
const VECTORS: Record<Exclude<Severity, 'informational'>, string[]> = {
  critical: ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H'],
  high: ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N'],
  medium: ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N', 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N'],
  low: ['CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N', 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N'],
};
const SCORED = Object.fromEntries(Object.entries(VECTORS).map(([s, vs]) => [s, vs.map((v) => cvssColumns(v))])) as Record<string, CvssColumns[]>;
const NO_CVSS: CvssColumns = { cvss_vector: null, cvss_version: null, cvss_score: null };

const SENTENCES = [
  'The application does not validate the `id` parameter before using it in a database query.',
  'An attacker with a low-privileged account can read records that belong to other customers.',
  'We confirmed the issue on the production host during the agreed test window.',
  'The response includes internal hostnames and the framework version.',
  'Input is reflected into the page **without encoding**, so script runs in the victim’s browser.',
  'The endpoint accepts requests without a valid session cookie.',
  'This was reproduced with a standard browser and an intercepting proxy.',
  'Logs on the server show the requests but no alert was raised.',
  'The vulnerable code path is reachable from the public internet.',
  'Similar behaviour was observed on the staging environment.',
];
const IMPACTS = [
  'An attacker could read or modify customer data, including payment details.',
  'Successful exploitation gives full control of the affected server.',
  'Accounts can be taken over without user interaction.',
  'The issue helps an attacker map the environment for further attacks.',
  'Confidentiality of personal data held by the service is at risk.',
];
const FIXES = [
  'Use parameterised queries for every database access.',
  'Encode output for the context it is written to and add a Content-Security-Policy.',
  'Check on the server that the signed-in user owns the requested object.',
  'Disable TLS 1.0 and 1.1 and remove CBC cipher suites.',
  'Add rate limiting and lockout after repeated failures.',
  'Update the component to the latest supported version.',
];

function para(r: Rand, n: number): string {
  return Array.from({ length: n }, () => r.pick(SENTENCES)).join(' ');
}

export interface FindingText {
  title: string;
  severity: Severity;
  description: string;
  impact: string;
  remediation: string;
  technical_details: string;
  references_json: string;
  affected_assets_json: string;
  internal_notes: string;
  cvss: CvssColumns;
}

/** A finding's text: markdown of a few hundred characters per field, as a tester writes it. */
export function findingText(r: Rand, domain: string): FindingText {
  const [title, base] = r.pick(TITLES);
  const severity = r.chance(0.8)
    ? base
    : r.weighted<Severity>([
        ['critical', 1],
        ['high', 3],
        ['medium', 4],
        ['low', 3],
        ['informational', 1],
      ]);
  const host = `${r.pick(HOSTS)}.${domain}`;
  const assets = [host, ...(r.chance(0.4) ? [`${r.pick(HOSTS)}.${domain}`] : [])];
  return {
    title: `${title} (${host})`,
    severity,
    description: `${para(r, r.int(2, 4))}\n\n- Affected: \`https://${host}/${r.pick(['search', 'api/v2/orders', 'account', 'upload'])}\`\n- Found: ${r.pick(['manual testing', 'code review', 'scanner, confirmed by hand'])}\n\n${para(r, r.int(1, 2))}`,
    impact: r.pick(IMPACTS) + (r.chance(0.5) ? ` ${r.pick(IMPACTS)}` : ''),
    remediation: `${r.pick(FIXES)}\n\n1. ${r.pick(FIXES)}\n2. Retest once the change is deployed.`,
    technical_details: `Request:\n\n\`\`\`http\nGET /${r.pick(['search?q=%27%20OR%201%3D1--', 'api/v2/orders/1043', 'account?next=//evil.example'])} HTTP/1.1\nHost: ${host}\nCookie: session=…\n\`\`\`\n\n${para(r, r.int(1, 3))}`,
    references_json: JSON.stringify(
      r.sample(['https://owasp.org/Top10/', 'https://cwe.mitre.org/data/definitions/89.html', 'https://cheatsheetseries.owasp.org/'], r.int(0, 2)),
    ),
    affected_assets_json: JSON.stringify(assets),
    internal_notes: r.chance(0.3) ? `Checked with ${r.pick(['Burp', 'sqlmap', 'nuclei', 'a custom script'])}; ${para(r, 1)}` : '',
    cvss: severity === 'informational' || r.chance(0.1) ? NO_CVSS : r.pick(SCORED[severity]!),
  };
}

const COMMENT_BITS = [
  'We deployed a fix to staging, can you take a look?',
  'Thanks — the payload from the report no longer works for us.',
  'Could you share the exact request you used?',
  'This is scheduled for the next sprint.',
  'The vendor has released a patch; we are testing it now.',
  'Confirmed on our side. The ticket is **INC-4821**.',
  'I attached the server logs from that day to the ticket.',
  'Retest looks good from here, still seeing the header though.',
  'Is `X-Frame-Options: DENY` enough or do you also need the CSP directive?',
  'We accept this risk until the system is retired in Q3.',
];

/** A comment body (markdown-lite), sometimes mentioning someone the way the app stores mentions. */
export function commentBody(r: Rand, mention?: { id: string; name: string }): string {
  const body = Array.from({ length: r.int(1, 3) }, () => r.pick(COMMENT_BITS)).join(' ');
  return mention ? `@[${mention.name}](${mention.id}) ${body}` : body;
}

const CHAT_BITS = [
  'Morning! Any update on the retest window?',
  'We pushed the patch last night.',
  'Can we move the call to 3pm?',
  'Report received, thanks.',
  'The VPN credentials for the test are in the usual place.',
  'Seeing some 500s on the API since the scan started — is that you?',
  'Yes, that was us, pausing now.',
  'Great, talk tomorrow.',
  'Could you check the new finding on the billing host?',
  'All clear from our side.',
];

export const chatBody = (r: Rand) => (r.chance(0.7) ? r.pick(CHAT_BITS) : `${r.pick(CHAT_BITS)} ${r.pick(CHAT_BITS)}`);

export const roundNotes = (r: Rand) =>
  r.pick(['Patched and deployed to production.', 'Input validation added; please retest.', 'Config changed on all load balancers.', 'Library upgraded.']);
export const verdictNotes = (r: Rand) =>
  r.pick([
    'Still reproducible with a variant of the payload.',
    'Fixed on one host, the second one is still affected.',
    'Partly fixed: the header is still missing.',
  ]);

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
];
export const userAgent = (r: Rand) => r.pick(USER_AGENTS);
export const ipAddress = (r: Rand) => (r.chance(0.5) ? `203.0.113.${r.int(1, 254)}` : `198.51.100.${r.int(1, 254)}`);
