import type { Generated, Selectable } from 'kysely';
import type { FindingStatus, ProjectStatus, Severity } from '../../server/contracts/workspace.js';

// Projects and who works on them, findings with their status history and evidence, and reports.
// The `Database` interface in db/schema.ts names them; import them from there.

export interface ProjectTable {
  id: string;
  client_id: string;
  name: string;
  status: ProjectStatus;
  /** ISO dates (YYYY-MM-DD). */
  start_date: string | null;
  end_date: string | null;
  description: Generated<string>;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface ProjectTeamTable {
  project_id: string;
  user_id: string;
}

/** Analysts explicitly assigned to a client (they reach it even when the firm scopes analysts). */
export interface ClientStaffTable {
  client_id: string;
  user_id: string;
  assigned_by: string | null;
  created_at: number;
}

export interface FindingTable {
  id: string;
  project_id: string;
  client_id: string;
  title: string;
  severity: Severity;
  /** Markdown, rendered sanitised. */
  description: Generated<string>;
  impact: Generated<string>;
  remediation: Generated<string>;
  technical_details: Generated<string>;
  cvss_vector: string | null;
  cvss_version: '3.1' | '4.0' | null;
  /** Derived from the vector by the CVSS library, never typed in. */
  cvss_score: number | null;
  /** JSON array of URLs. */
  references_json: Generated<string>;
  /** JSON array of strings. */
  affected_assets_json: Generated<string>;
  status: Generated<FindingStatus>;
  published: Generated<number>;
  published_at: number | null;
  /** Staff only, never loaded for a portal request. */
  internal_notes: Generated<string>;
  version: Generated<number>;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  /** Time the remediation clock spent paused (waiting for verification), and the start of the current pause. */
  due_paused_ms: Generated<number>;
  due_paused_at: number | null;
}

export interface FindingStatusHistoryTable {
  id: Generated<number>;
  finding_id: string;
  /** The finding's client (a finding never changes client): one client's changes, newest first, by index. */
  client_id: string;
  from_status: FindingStatus | null;
  to_status: FindingStatus;
  note: Generated<string>;
  actor_id: string | null;
  at: number;
}

export interface EvidenceTable {
  id: string;
  finding_id: string;
  client_id: string;
  kind: 'image' | 'file';
  original_file: string;
  original_name: string;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
  client_file: string | null;
  client_thumb_file: string | null;
  /** JSON array of {x, y, w, h} rectangles in original pixels. */
  redactions: Generated<string>;
  caption: Generated<string>;
  shared: Generated<number>;
  created_by: string | null;
  created_at: number;
}

export interface ReportTable {
  id: string;
  project_id: string;
  client_id: string;
  title: string;
  version: number;
  file: string;
  original_name: string;
  size: number;
  /** SHA-256 hex of the bytes as uploaded. */
  sha256: string;
  published: Generated<number>;
  published_at: number | null;
  damaged_at: number | null;
  created_by: string | null;
  created_at: number;
}

export type ProjectRow = Selectable<ProjectTable>;
export type FindingRow = Selectable<FindingTable>;
export type EvidenceRow = Selectable<EvidenceTable>;
export type ReportRow = Selectable<ReportTable>;
