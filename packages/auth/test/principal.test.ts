import { OperationOutcomeError } from '@fhir-bulk/fhir';
import {
  type Interaction,
  mayAccessJob,
  mayBulkRead,
  mayBulkWrite,
  parseScopes,
  type Permission,
  type Principal,
  requireAccess,
  requirePermission,
  requireTenant,
} from '../src';

const principal = (scope: string, permissions: Permission[] = [], tenants = ['*']): Principal => ({
  clientId: 'client-1',
  clientName: 'test',
  scopes: parseScopes(scope).scopes,
  permissions: new Set(permissions),
  tenants,
});

/** The error `check` throws; fails the test if it throws nothing. */
function thrown(check: () => void): OperationOutcomeError {
  try {
    check();
  } catch (error) {
    if (error instanceof OperationOutcomeError) return error;
    throw error;
  }
  throw new Error('allowed');
}

/** A refusal is 403 with issue code `forbidden` and ACCESS_DENIED in the details, naming what is missing. */
function expectAccessDenied(check: () => void, named: RegExp) {
  const error = thrown(check);
  expect(error.status).toBe(403);
  const [issue] = error.outcome.issue;
  expect(issue).toMatchObject({
    severity: 'error',
    code: 'forbidden',
    details: { coding: [{ system: 'urn:fhir-bulk:error-code', code: 'ACCESS_DENIED' }] },
  });
  expect(issue!.diagnostics).toMatch(named);
}

describe('requireAccess', () => {
  it.each<[string, string, Interaction]>([
    ['system/Patient.r', 'Patient', 'read'],
    ['system/Patient.r', 'Patient', 'vread'],
    ['system/Patient.r', 'Patient', 'history-instance'],
    ['system/Patient.s', 'Patient', 'search-type'],
    ['system/Patient.s', 'Patient', 'history-type'],
    ['system/Patient.c', 'Patient', 'create'],
    ['system/Patient.u', 'Patient', 'update'],
    ['system/Patient.d', 'Patient', 'delete'],
    ['system/Patient.read', 'Patient', 'search-type'],
    ['system/*.write', 'Observation', 'delete'],
    ['system/*.*', 'ViewDefinition', 'create'],
  ])('lets %s do %s %s', (scope, type, interaction) => {
    expect(() => requireAccess(principal(scope), type, interaction)).not.toThrow();
  });

  it.each<[string, string, Interaction]>([
    ['system/Patient.c', 'Patient', 'read'],
    ['system/Patient.r', 'Patient', 'search-type'],
    ['system/Patient.s', 'Patient', 'read'],
    ['system/Patient.read', 'Patient', 'create'],
    ['system/Patient.read', 'Patient', 'update'],
    ['system/Patient.write', 'Patient', 'read'],
    ['system/Patient.*', 'Observation', 'read'],
    ['system/Patient.*', 'ViewDefinition', 'create'],
    ['', 'Patient', 'read'],
  ])('refuses %s to %s %s with 403 ACCESS_DENIED', (scope, type, interaction) => {
    expectAccessDenied(() => requireAccess(principal(scope), type, interaction), new RegExp(type));
  });
});

describe('requirePermission', () => {
  it('lets a client with the permission through', () => {
    expect(() => requirePermission(principal('', ['bulk-export/read']), 'bulk-export/read')).not.toThrow();
  });

  it('refuses a client without it with 403 ACCESS_DENIED naming the permission', () => {
    const client = principal('system/*.*', ['bulk-export/read', 'audit/read']);
    expectAccessDenied(() => requirePermission(client, 'bulk-import/write'), /bulk-import\/write/);
    expectAccessDenied(() => requirePermission(client, 'admin'), /admin/);
  });
});

describe('requireTenant', () => {
  it('lets a client registered for every tenant use any', () => {
    expect(() => requireTenant(principal('', [], ['*']), 'anything')).not.toThrow();
  });

  it('lets a client use the tenants it is registered for', () => {
    expect(() => requireTenant(principal('', [], ['a', 'default']), 'a')).not.toThrow();
    expect(() => requireTenant(principal('', [], ['a', 'default']), 'default')).not.toThrow();
  });

  it('refuses any other tenant with 403 ACCESS_DENIED naming it', () => {
    expectAccessDenied(() => requireTenant(principal('', [], ['a']), 'b'), /\bb\b/);
  });
});

describe('bulk access', () => {
  it('reads in bulk only the types it may both read and search', () => {
    const client = principal('system/Patient.read system/Observation.r system/Condition.rs');
    expect(mayBulkRead(client, 'Patient')).toBe(true);
    expect(mayBulkRead(client, 'Condition')).toBe(true);
    expect(mayBulkRead(client, 'Observation')).toBe(false);
    expect(mayBulkRead(client, 'Encounter')).toBe(false);
  });

  it('writes in bulk only the types it may both create and update', () => {
    const client = principal('system/Patient.write system/Observation.c system/Condition.cu');
    expect(mayBulkWrite(client, 'Patient')).toBe(true);
    expect(mayBulkWrite(client, 'Condition')).toBe(true);
    expect(mayBulkWrite(client, 'Observation')).toBe(false);
  });
});

describe('mayAccessJob', () => {
  it('lets the client that started a job, and an admin, see it; no one else', () => {
    expect(mayAccessJob(principal('system/*.*'), 'client-1')).toBe(true);
    expect(mayAccessJob(principal('system/*.*'), 'client-2')).toBe(false);
    expect(mayAccessJob(principal('', ['admin']), 'client-2')).toBe(true);
  });
});
