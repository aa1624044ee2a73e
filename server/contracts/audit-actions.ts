/**
 * The one list of what the audit trail records: every action name a row may carry, with a short
 * label for people and its group (the Audit page's action filter and the README read it from
 * here). `writeAudit` accepts only these names, so a row can never carry an action nobody listed.
 * Names are `noun.verb` (past tense); a row's outcome says whether it worked.
 */

/** The groups of the catalogue, in the order a filter shows them. */
export const AUDIT_GROUPS = ['auth', 'access', 'content', 'files', 'remediation', 'users', 'settings', 'audit'] as const;
export type AuditGroup = (typeof AUDIT_GROUPS)[number];

/** Every audit action: its label and group. */
export const AUDIT_ACTIONS = {
  // Signing in and out. `details.factor` names the factor; `details.reason` why it failed.
  'auth.login': { label: 'Sign-in (password, or a passkey alone)', group: 'auth' },
  'auth.mfa': { label: 'Second factor (TOTP, passkey or recovery code)', group: 'auth' },
  'auth.logout': { label: 'Signed out', group: 'auth' },
  'session.ended': { label: 'Session ended (by its owner)', group: 'auth' },
  'password.changed': { label: 'Password changed', group: 'auth' },
  'password.reset_requested': { label: 'Password reset requested', group: 'auth' },
  'password.reset': { label: 'Password reset', group: 'auth' },
  'mfa.enrol_started': { label: 'Authenticator set-up started', group: 'auth' },
  'mfa.enrolled': { label: 'Authenticator set up', group: 'auth' },
  'mfa.recovery_codes_regenerated': { label: 'Recovery codes regenerated', group: 'auth' },
  'passkey.registered': { label: 'Passkey added', group: 'auth' },
  'passkey.removed': { label: 'Passkey removed', group: 'auth' },
  'sso.identity_linked': { label: 'Single sign-on identity linked to an account', group: 'auth' },
  'sso.backchannel_logout': { label: 'Signed out by the single sign-on provider', group: 'auth' },
  'setup.attempt': { label: 'First-run setup attempt', group: 'auth' },
  'setup.completed': { label: 'First-run setup completed', group: 'auth' },
  'demo.seeded': { label: 'Demo data loaded', group: 'settings' },

  // What people opened, and what they were refused.
  'page.viewed': { label: 'Page viewed (browser-reported)', group: 'access' },
  'page.views_dropped': { label: 'Page views not recorded (throttled)', group: 'access' },
  'portal.viewed': { label: 'Opened in the portal (server read)', group: 'access' },
  'authz.denied': { label: 'Access refused', group: 'access' },

  // Comments, notes and chat: ids only, never the text.
  'comment.created': { label: 'Comment written', group: 'content' },
  'note.created': { label: 'Internal note written', group: 'content' },
  'comment.edited': { label: 'Comment edited', group: 'content' },
  'comment.deleted': { label: 'Comment deleted', group: 'content' },
  'comment.shared': { label: 'Internal note shared with the client', group: 'content' },
  'chat.message_sent': { label: 'Chat message sent', group: 'content' },
  'chat.message_edited': { label: 'Chat message edited', group: 'content' },
  'chat.message_deleted': { label: 'Chat message deleted', group: 'content' },
  'project.created': { label: 'Project created', group: 'content' },
  'project.updated': { label: 'Project changed', group: 'content' },
  'finding.created': { label: 'Finding created', group: 'content' },
  'finding.updated': { label: 'Finding changed', group: 'content' },
  'finding.deleted': { label: 'Finding deleted', group: 'content' },
  'finding.published': { label: 'Finding published', group: 'content' },
  'finding.unpublished': { label: 'Finding withdrawn', group: 'content' },

  // Files: uploads, shares and downloads (file id, bytes and the client in each row).
  'evidence.uploaded': { label: 'Evidence uploaded', group: 'files' },
  'evidence.updated': { label: 'Evidence changed (shared or hidden)', group: 'files' },
  'evidence.redacted': { label: 'Evidence redacted', group: 'files' },
  'evidence.deleted': { label: 'Evidence deleted', group: 'files' },
  'evidence.downloaded': { label: 'Evidence downloaded', group: 'files' },
  'attachment.uploaded': { label: 'File shared (chat, comment or remediation)', group: 'files' },
  'attachment.downloaded': { label: 'Shared file downloaded', group: 'files' },
  'report.uploaded': { label: 'Report uploaded', group: 'files' },
  'report.updated': { label: 'Report published or withdrawn', group: 'files' },
  'report.downloaded': { label: 'Report downloaded', group: 'files' },
  'report.damaged': { label: 'Report file damaged', group: 'files' },

  // Remediation and retests.
  'finding.status_changed': { label: 'Finding status changed', group: 'remediation' },
  'remediation.submitted': { label: 'Marked remediated', group: 'remediation' },
  'remediation.verdict_given': { label: 'Verification verdict given', group: 'remediation' },
  'retest.requested': { label: 'Retest requested', group: 'remediation' },
  'retest.updated': { label: 'Retest status changed', group: 'remediation' },

  // People and clients.
  'invitation.sent': { label: 'Person invited', group: 'users' },
  'invitation.resent': { label: 'Invitation sent again', group: 'users' },
  'invitation.accepted': { label: 'Invitation accepted', group: 'users' },
  'user.updated': { label: 'Person changed (name or role)', group: 'users' },
  'user.removed': { label: 'Person removed', group: 'users' },
  'user.email_change_requested': { label: 'E-mail change asked (link sent to the new address)', group: 'users' },
  'user.email_changed': { label: 'E-mail address changed', group: 'users' },
  'mfa.reset': { label: 'Authenticator reset for a person', group: 'users' },
  'sso.user_created': { label: 'Account created at a single sign-on', group: 'users' },
  'sso.role_mapped': { label: "Role changed by the provider's claim", group: 'users' },
  'profile.updated': { label: 'Own profile changed', group: 'users' },
  'profile.avatar_changed': { label: 'Own picture changed', group: 'users' },
  'client.created': { label: 'Client created', group: 'users' },
  'client.updated': { label: 'Client settings changed', group: 'users' },
  'client.archived': { label: 'Client archived', group: 'users' },
  'client.staff_assigned': { label: 'Staff assigned to a client', group: 'users' },

  // The firm's settings (details: before and after of what changed, never a secret).
  'firm.updated': { label: 'Company settings changed', group: 'settings' },
  'firm.security_updated': { label: 'Security settings changed', group: 'settings' },
  'sso.provider_configured': { label: 'Single sign-on provider set', group: 'settings' },
  'sso.provider_removed': { label: 'Single sign-on provider removed', group: 'settings' },
  'sso.policy_changed': { label: 'Single sign-on only for staff switched', group: 'settings' },
  'firm.remediation_targets_updated': { label: 'Remediation targets changed', group: 'settings' },
  'firm.branding_updated': { label: 'Branding changed', group: 'settings' },
  'firm.brand_image_uploaded': { label: 'Brand image uploaded', group: 'settings' },
  'firm.messages_updated': { label: 'Messages changed', group: 'settings' },
  'firm.audit_settings_updated': { label: 'Audit settings changed', group: 'settings' },

  // The audit trail itself.
  'audit.viewed': { label: 'Audit trail viewed', group: 'audit' },
  'audit.exported': { label: 'Audit trail exported', group: 'audit' },
  'audit.checkpoint': { label: 'Audit checkpoint signed', group: 'audit' },
  'audit.pruned': { label: 'Old audit rows pruned', group: 'audit' },
  'access_log.viewed': { label: 'Access log viewed', group: 'audit' },
  'access_log.exported': { label: 'Access log exported', group: 'audit' },
} as const satisfies Record<string, { label: string; group: AuditGroup }>;

/** An action name the audit trail knows. */
export type AuditAction = keyof typeof AUDIT_ACTIONS;

/**
 * Sign-in factors as `auth.login` / `auth.mfa` rows name them in `details.factor` (`webauthn`: a
 * passkey). The last ones are reserved for single sign-on, so its rows need no new name.
 */
export const AUTH_FACTORS = ['password', 'totp', 'recovery_code', 'webauthn', 'oidc', 'saml'] as const;
export type AuthFactor = (typeof AUTH_FACTORS)[number];
