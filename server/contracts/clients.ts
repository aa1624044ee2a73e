import { z } from 'zod';
import type { HideKey } from './workspace.js';
import type { Module } from './workspace.js';
import { confirmFlag } from './confirmation.js';

/** Client organisations (minimal) and their portal security settings: request schemas and DTOs. */

const clientName = z.string().trim().min(1, 'required').max(120, 'at most 120 characters');

export const CreateClientInput = z.object({ name: clientName }).strict();
export type CreateClientInput = z.infer<typeof CreateClientInput>;

/** CIDR syntax is checked on the server (invalidCidrs) so the message can name the bad entries. */
const IP_ALLOWLIST_MAX = 100;
const cidr = z.string().trim().min(1, 'an empty entry').max(64, 'at most 64 characters per entry');

/** The portal modules a client's users may open; a partial object is merged into what is stored. */
const ModulesInput = z
  .object({ projects: z.boolean(), findings: z.boolean(), reports: z.boolean(), chat: z.boolean(), activity: z.boolean() })
  .partial()
  .strict();
/** Which hideable finding fields the client's users see; a partial object is merged into what is stored. */
const VisibleFieldsInput = z.object({ cvss: z.boolean(), technicalDetails: z.boolean(), references: z.boolean(), evidence: z.boolean() }).partial().strict();

export const UpdateClientInput = z
  .object({
    name: clientName.optional(),
    portalEnabled: z.boolean().optional(),
    ipAllowlist: z.array(cidr).max(IP_ALLOWLIST_MAX, `at most ${IP_ALLOWLIST_MAX} ranges`).optional(),
    sessionIdleMinutes: z.number().int('a whole number').min(5, 'from 5 to 1440 minutes').max(1440, 'from 5 to 1440 minutes').nullable().optional(),
    sessionAbsoluteHours: z.number().int('a whole number').min(1, 'from 1 to 720 hours').max(720, 'from 1 to 720 hours').nullable().optional(),
    modules: ModulesInput.optional(),
    visibleFields: VisibleFieldsInput.optional(),
    /** On: this client's people must use a passkey as their second factor (those without one register one at their next sign-in). */
    passkeysOnly: z.boolean().optional(),
    /** Seen and confirmed the consequence a 409 `confirmation_required` described (contracts/confirmation.ts). */
    confirm: confirmFlag,
  })
  .strict()
  .refine((o) => Object.entries(o).some(([k, v]) => k !== 'confirm' && v !== undefined), 'Nothing to change.');
export type UpdateClientInput = z.infer<typeof UpdateClientInput>;

/** A client as staff see it. */
export interface ClientDTO {
  id: string;
  name: string;
  portalEnabled: boolean;
  archivedAt: number | null;
  ipAllowlist: string[];
  /** Null = the firm's default applies. */
  sessionIdleMinutes: number | null;
  sessionAbsoluteHours: number | null;
  /** The modules the client's users may open (every one on unless switched off). */
  modules: Record<Module, boolean>;
  /** The hideable finding fields the client's users see; a hidden field is never sent to them. */
  visibleFields: Record<HideKey, boolean>;
  /** This client's people must use a passkey as their second factor. */
  passkeysOnly: boolean;
  /** Portal users who are invited or active. */
  userCount: number;
  createdAt: number;
  updatedAt: number;
}

/** PUT /api/clients/:clientId/staff: the analysts assigned to the client (replaces the list). */
export const ClientStaffInput = z.object({ userIds: z.array(z.string().uuid('not a user id')).max(100, 'at most 100 people') }).strict();
export type ClientStaffInput = z.infer<typeof ClientStaffInput>;

/** GET/PUT /api/clients/:clientId/staff: who on the firm's side reaches this client, and why. */
export interface ClientStaffDTO {
  /** The firm's setting: while on, every analyst reaches every client and assignments only matter once it is off. */
  analystsSeeAllClients: boolean;
  /** Explicitly assigned. */
  assigned: { id: string; name: string; email: string }[];
  /** On the team of one of the client's projects (they reach it through that). */
  onTeams: { id: string; name: string }[];
}
