import type { FhirVersion } from '@fhir-bulk/fhir';
import { connectTestServices, type TestServices } from '@fhir-bulk/test-support';
import { ResourceStore, TENANTS_COLLECTION, TenantVersionLockedError, TenantVersions } from '../src';

/** Each tenant's FHIR version as recorded in the database (issue 15), against the real FerretDB. */
let services: TestServices;
beforeAll(async () => {
  services = await connectTestServices();
});
afterAll(() => services.close());

const db = () => services.store.db;
const versions = (defaultVersion: FhirVersion, configured: Record<string, FhirVersion> = {}) =>
  new TenantVersions(db(), { defaultVersion, configured: new Map(Object.entries(configured)) });
const recorded = async (tenant: string) =>
  (await db().collection<{ _id: string; fhirVersion: string }>(TENANTS_COLLECTION).findOne({ _id: tenant }))
    ?.fhirVersion;

describe('tenant FHIR versions', () => {
  it('records a tenant at its first write, from its configured version or else the default', async () => {
    const lookup = versions('4.0.1', { 'first-r5': '5.0.0' });
    expect(await lookup.versionOf('first-r5')).toBe('5.0.0');
    expect(await lookup.versionOf('first-r4')).toBe('4.0.1');
    expect(await recorded('first-r5')).toBe('5.0.0');
    expect(await recorded('first-r4')).toBe('4.0.1');
  });

  it('keeps a recorded version when the default changes later, and every process agrees', async () => {
    await versions('4.0.1').versionOf('kept');
    expect(await versions('5.0.0').versionOf('kept')).toBe('4.0.1');
    // Two processes meeting a new tenant at once with different defaults: one record, one answer for both.
    const [a, b] = await Promise.all([versions('4.0.1').versionOf('raced'), versions('5.0.0').versionOf('raced')]);
    expect(a).toBe(b);
    expect(await recorded('raced')).toBe(a);
  });

  it('does not record a tenant a request only asks about', async () => {
    expect(await versions('5.0.0', { 'configured-r4': '4.0.1' }).presumedVersionOf('never-used')).toBe('5.0.0');
    expect(await versions('5.0.0', { 'configured-r4': '4.0.1' }).presumedVersionOf('configured-r4')).toBe('4.0.1');
    expect(await recorded('never-used')).toBeUndefined();
    expect(await recorded('configured-r4')).toBeUndefined();
    // Once written, the record wins over a default that changed.
    await versions('4.0.1').versionOf('written');
    expect(await versions('5.0.0').presumedVersionOf('written')).toBe('4.0.1');
  });

  it('moves an empty tenant to its newly configured version, and refuses one that holds resources', async () => {
    const r4Store = new ResourceStore(db());
    await r4Store.tenantVersions.versionOf('empty');
    await r4Store.write('busy', { resourceType: 'Patient', id: 'p1', gender: 'female' });
    expect(await recorded('busy')).toBe('4.0.1');

    await versions('4.0.1', { empty: '5.0.0' }).applyConfigured();
    expect(await recorded('empty')).toBe('5.0.0');

    const refused = versions('4.0.1', { busy: '5.0.0' }).applyConfigured();
    await expect(refused).rejects.toThrow(TenantVersionLockedError);
    await expect(refused).rejects.toThrow(/tenant busy speaks FHIR 4.0.1 and holds resources/);
    expect(await recorded('busy')).toBe('4.0.1');

    // Emptied (the tenant deleted), it may move.
    await r4Store.deleteTenant('busy');
    await versions('4.0.1', { busy: '5.0.0' }).applyConfigured();
    expect(await recorded('busy')).toBe('5.0.0');
  });

  it('derives search keys and compartments by the tenant’s version', async () => {
    const store = new ResourceStore(db(), undefined, {
      tenantVersions: { defaultVersion: '4.0.1', configured: new Map([['keys-r5', '5.0.0']]) },
    });
    const consent = { resourceType: 'Consent', id: 'c1', status: 'active', subject: { reference: 'Patient/p1' } };
    await store.write('keys-r5', consent);
    await store.write('keys-r4', consent);
    // R5 puts a Consent in its subject's compartment; R4's Consent has no subject element in its compartment.
    expect(await store.compartmentsOf('keys-r5', 'Consent', 'c1')).toEqual(['Patient/p1']);
    expect(await store.compartmentsOf('keys-r4', 'Consent', 'c1')).toEqual([]);
  });
});
