import { codeable, date, type FhirResource, patientKey } from './fhir';
import { DAY_MS, type Random, YEAR_MS } from './random';
import { CITIES, FAMILY_NAMES, GIVEN_NAMES, STREETS, SYSTEMS } from './vocabulary';

export interface PatientDraft {
  resource: FhirResource;
  birthMs: number;
  /** Drives body size; for gender `other` it is drawn at random. */
  sex: 'male' | 'female';
}

/** Roughly the US age pyramid, so the population is not one-third over-65s as a uniform 0-95 draw would give. */
const AGE_BANDS = [
  { weight: 22, min: 0, max: 17 },
  { weight: 36, min: 18, max: 44 },
  { weight: 25, min: 45, max: 64 },
  { weight: 17, min: 65, max: 95 },
] as const;

export function buildPatient(rng: Random, index: number, referenceMs: number): PatientDraft {
  const key = patientKey(index);
  const roll = rng.float();
  const gender = roll < 0.495 ? 'male' : roll < 0.99 ? 'female' : 'other';
  const sex = gender === 'other' ? rng.pick(['male', 'female'] as const) : gender;

  const band = rng.weighted(AGE_BANDS);
  // At least one day old, so every patient has a non-empty window for encounters before the reference date.
  const ageDays = rng.int(
    Math.max(1, Math.ceil((band.min * YEAR_MS) / DAY_MS)),
    Math.floor(((band.max + 1) * YEAR_MS) / DAY_MS) - 1,
  );
  const birthMs = Math.floor(referenceMs / DAY_MS) * DAY_MS - ageDays * DAY_MS;

  const [given, middle] = rng.sample(GIVEN_NAMES[sex], 2) as [string, string];
  const family = rng.pick(FAMILY_NAMES);
  const place = rng.pick(CITIES);
  const apartment = rng.chance(0.25) ? [`Apt ${rng.int(1, 40)}`] : [];

  // 555-0100..0199 are the numbers reserved for fiction, so no generated phone number belongs to anyone.
  const resource: FhirResource = {
    resourceType: 'Patient',
    id: `pat-${key}`,
    identifier: [
      {
        use: 'usual',
        type: codeable(SYSTEMS.identifierType, { code: 'MR', display: 'Medical Record Number' }),
        system: SYSTEMS.mrn,
        value: `MRN${key}`,
      },
    ],
    active: true,
    name: [{ use: 'official', family, given: rng.chance(0.4) ? [given, middle] : [given] }],
    telecom: [
      { system: 'phone', value: `${place.areaCode}-555-01${String(rng.int(0, 99)).padStart(2, '0')}`, use: 'home' },
    ],
    gender,
    birthDate: date(birthMs),
    address: [
      {
        use: 'home',
        line: [`${rng.int(1, 9999)} ${rng.pick(STREETS)}`, ...apartment],
        city: place.city,
        state: place.state,
        postalCode: `${place.zip3}${String(rng.int(1, 99)).padStart(2, '0')}`,
        country: 'US',
      },
    ],
  };
  return { resource, birthMs, sex };
}
