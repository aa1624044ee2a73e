import type { FindingStatus, ProjectStatus, Severity } from '../server/contracts/workspace.js';

/**
 * The demo engagement's projects and findings (every severity, the statuses the workflow reaches,
 * one draft), played through the product's commands by server/demo-story.ts.
 */

export interface DemoFinding {
  title: string;
  severity: Severity;
  cvss: string | null;
  /** Where the story leaves it; reached through the workflow (submit, verdict, status change). */
  status: FindingStatus;
  /** Whether the analyst publishes it in the story (else it stays a draft). */
  publish: boolean;
  description: string;
  impact: string;
  remediation: string;
  technical: string;
  assets: string[];
  references: string[];
  internal: string;
  /** What the client's Manager says was fixed when marking it remediated. */
  fix?: string;
  /** The analyst's verdict or status note. */
  verdictNotes?: string;
}

export const FINDINGS: DemoFinding[] = [
  {
    title: 'SQL injection in customer search',
    severity: 'critical',
    cvss: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    status: 'open',
    publish: true,
    description: 'The `q` parameter of `/api/customers/search` is concatenated into a SQL query without parameterisation.',
    impact: 'An unauthenticated attacker can read and modify every record in the customer database.',
    remediation: 'Use parameterised queries (prepared statements) for every database call, and add a WAF rule as a stop-gap.',
    technical: "Payload `' OR 1=1--` returned all 18,204 customer rows. Time-based payloads confirmed blind injection.",
    assets: ['app.example.com', '10.0.4.12'],
    references: ['https://owasp.org/www-community/attacks/SQL_Injection'],
    internal: 'Client dev lead mentioned a legacy ORM bypass; retest the admin search too.',
  },
  {
    title: 'Outdated OpenSSH with known vulnerabilities',
    severity: 'high',
    cvss: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H',
    status: 'pending_verification',
    publish: true,
    description: 'The bastion host runs an OpenSSH version affected by publicly known vulnerabilities.',
    impact: 'Remote code execution may be possible under specific timing conditions.',
    remediation: 'Upgrade OpenSSH to the latest release supported by your distribution and restrict SSH to the VPN range.',
    technical: 'Banner: `SSH-2.0-OpenSSH_8.5`. Exposed on TCP/22 to the internet.',
    assets: ['bastion.example.com'],
    references: ['https://www.openssh.com/security.html'],
    internal: 'Client says patched on the 14th; verify banner and package version.',
    fix: 'Upgraded OpenSSH to 9.8p1 and limited TCP/22 to the VPN range.',
  },
  {
    title: 'Session cookie without Secure flag',
    severity: 'medium',
    cvss: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N',
    status: 'verified_fixed',
    publish: true,
    description: 'The `SESSIONID` cookie is set without the `Secure` attribute.',
    impact: 'On a network path without TLS, the session could be intercepted.',
    remediation: 'Set `Secure`, `HttpOnly` and `SameSite=Lax` on every session cookie.',
    technical: 'Observed `Set-Cookie: SESSIONID=…; Path=/; HttpOnly`.',
    assets: ['app.example.com'],
    references: ['https://developer.mozilla.org/en-US/docs/Web/HTTP/Cookies'],
    internal: '',
    fix: 'Set Secure, HttpOnly and SameSite=Lax on the session cookie.',
  },
  {
    title: 'Verbose error messages',
    severity: 'low',
    cvss: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N',
    status: 'not_fixed',
    publish: true,
    description: 'Unhandled exceptions return stack traces to the browser.',
    impact: 'Stack traces reveal framework versions and file paths that help an attacker.',
    remediation: 'Return a generic error page in production and log details on the server only.',
    technical: 'A malformed date in `/reports?from=` returns a 500 with a full Java stack trace.',
    assets: ['app.example.com'],
    references: [],
    internal: '',
    fix: 'Turned off debug mode in production.',
    verdictNotes: 'The reports endpoint still returns a stack trace for a malformed date.',
  },
  {
    title: 'Security headers not set',
    severity: 'informational',
    cvss: null,
    status: 'open',
    publish: true,
    description: 'The application does not send `Content-Security-Policy` or `Referrer-Policy` headers.',
    impact: 'No direct impact; these headers reduce the impact of other vulnerabilities.',
    remediation: 'Add a strict CSP and `Referrer-Policy: no-referrer`.',
    technical: '',
    assets: ['app.example.com'],
    references: ['https://owasp.org/www-project-secure-headers/'],
    internal: '',
  },
  {
    title: 'Default credentials on printer admin panel',
    severity: 'high',
    cvss: 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:L',
    status: 'open',
    publish: false,
    description: 'Draft: still confirming the model and firmware.',
    impact: 'Draft.',
    remediation: 'Draft.',
    technical: 'admin/admin accepted on 10.0.9.40.',
    assets: ['10.0.9.40'],
    references: [],
    internal: 'Confirm before publishing — may be out of scope.',
  },
];

export const PROJECTS: { name: string; status: ProjectStatus; start: string; end: string; findings: DemoFinding[] }[] = [
  { name: 'External penetration test 2026', status: 'active' as const, start: '2026-10-01', end: '2026-11-30', findings: FINDINGS },
  { name: 'Web application assessment', status: 'completed' as const, start: '2026-06-02', end: '2026-06-20', findings: FINDINGS.slice(2, 5) },
  { name: 'Cloud configuration review', status: 'planned' as const, start: '2027-01-11', end: '2027-01-22', findings: [] },
];
