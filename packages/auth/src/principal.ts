import { AUDIT_EVENT, forbidden } from '@fhir-bulk/fhir';
import { allows, formatScope, type SmartScope, type Verb } from './scopes';

/**
 * What a client may do besides reading and writing resources: the product's operation permissions. `admin` sees
 * every job and manages clients; `audit/read` reads the audit trail.
 */
export const PERMISSIONS = ['bulk-export/read', 'bulk-import/write', 'audit/read', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];
export const isPermission = (value: unknown): value is Permission => PERMISSIONS.includes(value as Permission);

/** Who is calling, as an access token says: one per request, read from the token store, never from the client. */
export interface Principal {
  clientId: string;
  clientName: string;
  /** The scopes granted to this token (never more than the client registered). */
  scopes: readonly SmartScope[];
  permissions: ReadonlySet<Permission>;
  /** The tenants the client may use; `*` is every tenant. */
  tenants: readonly string[];
}

/** AUTH_MODE=none: every request acts as this, with every right. For local experiments only. */
export const ANONYMOUS: Principal = {
  clientId: 'anonymous',
  clientName: 'anonymous (AUTH_MODE=none)',
  scopes: [{ type: '*', verbs: new Set<Verb>(['c', 'r', 'u', 'd', 's']), version: 2 }],
  permissions: new Set(['bulk-export/read', 'bulk-import/write', 'audit/read', 'admin']),
  tenants: ['*'],
};

/** The SMART interactions of FHIR REST, and the scope letter each needs. */
export const INTERACTION_VERBS = {
  read: 'r',
  vread: 'r',
  'history-instance': 'r',
  'search-type': 's',
  'history-type': 's',
  create: 'c',
  update: 'u',
  delete: 'd',
} as const satisfies Record<string, Verb>;
export type Interaction = keyof typeof INTERACTION_VERBS;

/** Throws 403 ACCESS_DENIED unless the principal holds `permission`. */
export function requirePermission(principal: Principal, permission: Permission): void {
  if (!principal.permissions.has(permission)) {
    throw forbidden(`Client ${principal.clientId} lacks the permission ${permission}`);
  }
}

export const mayUseTenant = (principal: Principal, tenant: string) =>
  principal.tenants.includes('*') || principal.tenants.includes(tenant);

/** Throws 403 ACCESS_DENIED unless the principal's client may use `tenant`. */
export function requireTenant(principal: Principal, tenant: string): void {
  if (!mayUseTenant(principal, tenant)) throw forbidden(`Client ${principal.clientId} may not use tenant ${tenant}`);
}

/**
 * The audit trail (AuditEvent) is read with the `audit/read` permission besides a scope that reads the type:
 * `system/*.read` alone reads patient data, not the record of who read it.
 */
export const mayReadAudit = (principal: Principal, type: string) =>
  type !== AUDIT_EVENT || principal.permissions.has('audit/read');

/** The 403 for an AuditEvent read without `audit/read`. */
export const auditReadDenied = (principal: Principal) =>
  forbidden(`Client ${principal.clientId} lacks the permission audit/read, which reading ${AUDIT_EVENT} needs`);

/**
 * Throws 403 ACCESS_DENIED unless a granted scope allows `interaction` on `type` (and, for AuditEvent, the client
 * holds `audit/read`).
 */
export function requireAccess(principal: Principal, type: string, interaction: Interaction): void {
  if (!mayReadAudit(principal, type)) throw auditReadDenied(principal);
  const verb = INTERACTION_VERBS[interaction];
  if (!allows(principal.scopes, type, verb)) {
    const granted = principal.scopes.map(formatScope).join(' ') || 'none';
    throw forbidden(
      `No granted scope allows ${interaction} of ${type} (system/${type}.${verb} or wider; granted: ${granted})`,
    );
  }
}

/**
 * Bulk reads need both letters: `system/X.read` (v1) or `system/X.rs` (v2) covers an export of X; AuditEvent also
 * needs `audit/read` (mayReadAudit).
 */
export const mayBulkRead = (principal: Principal, type: string) =>
  allows(principal.scopes, type, 'r') && allows(principal.scopes, type, 's') && mayReadAudit(principal, type);

/** Bulk writes create and update: `system/X.write` (v1) or `system/X.cu` (v2) covers an import of X. */
export const mayBulkWrite = (principal: Principal, type: string) =>
  allows(principal.scopes, type, 'c') && allows(principal.scopes, type, 'u');

/** Whether the principal sees every job, not only its own. */
export const isAdmin = (principal: Principal) => principal.permissions.has('admin');

/** A job answers only the client that started it, or an admin; anyone else is told it does not exist. */
export const mayAccessJob = (principal: Principal, owner: string) => isAdmin(principal) || principal.clientId === owner;
