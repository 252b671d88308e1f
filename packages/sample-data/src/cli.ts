/**
 * `npm run seed -- --patients 10000 [--tenant default] [--seed 1] [--replace] [--fhir-version 5.0.0]`: loads a
 * deterministic synthetic population through the store, on the configured MongoDB, in the tenant's FHIR version.
 * `--fhir-version` gives the tenant that version as TENANT_FHIR_VERSIONS would (and is refused, like it, for a
 * tenant holding resources of another: `--replace` empties it first).
 */
import { loadConfig } from '@fhir-bulk/config';
import { FHIR_VERSIONS, isFhirVersion } from '@fhir-bulk/fhir';
import { connectMongo, ResourceStore, tenantVersionSettings } from '@fhir-bulk/store';
import { parseArgs } from 'node:util';
import { loadPopulation } from './load';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      patients: { type: 'string', default: '100' },
      tenant: { type: 'string', default: 'default' },
      seed: { type: 'string', default: '1' },
      replace: { type: 'boolean', default: false },
      'fhir-version': { type: 'string' },
    },
  });
  const fhirVersion = values['fhir-version'];
  if (fhirVersion !== undefined && !isFhirVersion(fhirVersion))
    throw new Error(`--fhir-version must be one of ${FHIR_VERSIONS.join(', ')}, got ${fhirVersion}`);
  const patients = Number(values.patients);
  if (!Number.isInteger(patients) || patients < 1)
    throw new Error(`--patients must be a positive integer, got ${values.patients}`);
  const config = loadConfig();
  const mongo = await connectMongo(config.MONGODB_URL);
  try {
    const configured = new Map(config.TENANT_FHIR_VERSIONS);
    if (fhirVersion) configured.set(values.tenant!, fhirVersion);
    const store = new ResourceStore(mongo.db(config.MONGODB_DB), undefined, {
      tenantVersions: tenantVersionSettings({ ...config, TENANT_FHIR_VERSIONS: configured }),
    });
    if (values.replace) await store.deleteTenant(values.tenant!);
    // After the replace: an emptied tenant may take the version TENANT_FHIR_VERSIONS now gives it.
    await store.tenantVersions.applyConfigured();
    const started = performance.now();
    const counts = await loadPopulation(store, values.tenant!, { patients, seed: Number(values.seed) });
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `loaded ${total} FHIR ${await store.tenantVersions.versionOf(values.tenant!)} resources into tenant ` +
        `${values.tenant} in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s):`,
      counts,
    );
  } finally {
    await mongo.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
