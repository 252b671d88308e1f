/** Small code and name tables. Codes are real (LOINC, SNOMED CT, RxNorm, UCUM) so the data exercises real terminology. */

export const SYSTEMS = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  ucum: 'http://unitsofmeasure.org',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  identifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  mrn: 'urn:oid:2.16.840.1.113883.4.3.25',
} as const;

export interface Coded {
  code: string;
  display: string;
}

/** A quantity measurement. `adult` and `elevated` are [min, max] for a typical adult and for one with the related condition. */
export interface MeasureSpec extends Coded {
  category: 'vital-signs' | 'laboratory';
  /** UCUM code, also used as the human-readable unit. */
  ucum: string;
  unit: string;
  decimals: number;
  adult: readonly [number, number];
  elevated?: readonly [number, number];
}

export const MEASURES = {
  heartRate: vital('8867-4', 'Heart rate', '/min', 'beats/minute', 0, [58, 95]),
  respiratoryRate: vital('9279-1', 'Respiratory rate', '/min', 'breaths/minute', 0, [12, 20]),
  bodyTemperature: vital('8310-5', 'Body temperature', 'Cel', 'Cel', 1, [36.2, 37.4], [38.0, 39.6]),
  bodyWeight: vital('29463-7', 'Body weight', 'kg', 'kg', 1, [50, 110]),
  bodyHeight: vital('8302-2', 'Body height', 'cm', 'cm', 1, [152, 192]),
  bmi: vital('39156-5', 'Body mass index (BMI) [Ratio]', 'kg/m2', 'kg/m2', 1, [19, 31], [27, 40]),
  systolic: vital('8480-6', 'Systolic blood pressure', 'mm[Hg]', 'mm[Hg]', 0, [105, 132], [136, 172]),
  diastolic: vital('8462-4', 'Diastolic blood pressure', 'mm[Hg]', 'mm[Hg]', 0, [64, 84], [86, 102]),
  glucose: lab('2345-7', 'Glucose [Mass/volume] in Serum or Plasma', 'mg/dL', 0, [72, 109], [126, 240]),
  hba1c: lab('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', '%', 1, [4.6, 5.6], [6.5, 10.2]),
  creatinine: lab('2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 'mg/dL', 2, [0.6, 1.25]),
  cholesterol: lab('2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma', 'mg/dL', 0, [145, 199], [220, 300]),
} satisfies Record<string, MeasureSpec>;

export const BP_PANEL: Coded = { code: '85354-9', display: 'Blood pressure panel with all children optional' };

export type ConditionKey = 'hypertension' | 'diabetes' | 'asthma' | 'hyperlipidemia' | 'bronchitis';

export interface ConditionSpec extends Coded {
  key: ConditionKey;
  /** Chronic conditions go on the problem list and stay active; acute ones are encounter diagnoses that resolve. */
  chronic: boolean;
  minAge: number;
  /** Relative prevalence among the conditions a patient is eligible for. */
  weight: number;
}

export const CONDITIONS: readonly ConditionSpec[] = [
  {
    key: 'hypertension',
    code: '38341003',
    display: 'Hypertensive disorder, systemic arterial (disorder)',
    chronic: true,
    minAge: 18,
    weight: 30,
  },
  {
    key: 'diabetes',
    code: '44054006',
    display: 'Diabetes mellitus type 2 (disorder)',
    chronic: true,
    minAge: 18,
    weight: 15,
  },
  { key: 'asthma', code: '195967001', display: 'Asthma (disorder)', chronic: true, minAge: 2, weight: 12 },
  {
    key: 'hyperlipidemia',
    code: '55822004',
    display: 'Hyperlipidemia (disorder)',
    chronic: true,
    minAge: 18,
    weight: 20,
  },
  {
    key: 'bronchitis',
    code: '10509002',
    display: 'Acute bronchitis (disorder)',
    chronic: false,
    minAge: 0,
    weight: 23,
  },
];

export interface MedicationSpec extends Coded {
  treats: ConditionKey;
  /** How often the condition gets this prescription (antibiotics for bronchitis are often, rightly, withheld). */
  probability: number;
  dosage: string;
  /** Course length for short courses; chronic medications have none and stay active. */
  courseDays?: number;
}

export const MEDICATIONS: readonly MedicationSpec[] = [
  {
    code: '314076',
    display: 'lisinopril 10 MG Oral Tablet',
    treats: 'hypertension',
    probability: 0.85,
    dosage: 'Take 1 tablet (10 mg) by mouth once daily',
  },
  {
    code: '860975',
    display: '24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet',
    treats: 'diabetes',
    probability: 0.9,
    dosage: 'Take 1 tablet (500 mg) by mouth once daily with the evening meal',
  },
  {
    code: '745679',
    display: '200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler',
    treats: 'asthma',
    probability: 0.9,
    dosage: 'Inhale 2 puffs every 4 to 6 hours as needed for wheezing',
  },
  {
    code: '617312',
    display: 'atorvastatin 20 MG Oral Tablet',
    treats: 'hyperlipidemia',
    probability: 0.8,
    dosage: 'Take 1 tablet (20 mg) by mouth once daily at bedtime',
  },
  {
    code: '308182',
    display: 'amoxicillin 250 MG Oral Capsule',
    treats: 'bronchitis',
    probability: 0.4,
    dosage: 'Take 1 capsule (250 mg) by mouth three times daily for 10 days',
    courseDays: 10,
  },
];

export type EncounterClass = 'AMB' | 'EMER' | 'IMP';

export interface EncounterSpec {
  classCode: EncounterClass;
  classDisplay: string;
  weight: number;
  types: readonly Coded[];
  /** Length of stay, in hours. */
  hours: readonly [number, number];
}

export const ENCOUNTERS: readonly EncounterSpec[] = [
  {
    classCode: 'AMB',
    classDisplay: 'ambulatory',
    weight: 75,
    hours: [0.25, 1],
    types: [
      { code: '185349003', display: 'Encounter for check up (procedure)' },
      { code: '185345009', display: 'Encounter for symptom (procedure)' },
      { code: '390906007', display: 'Follow-up encounter (procedure)' },
    ],
  },
  {
    classCode: 'EMER',
    classDisplay: 'emergency',
    weight: 15,
    hours: [1, 8],
    types: [{ code: '50849002', display: 'Emergency room admission (procedure)' }],
  },
  {
    classCode: 'IMP',
    classDisplay: 'inpatient encounter',
    weight: 10,
    hours: [24, 168],
    types: [{ code: '32485007', display: 'Hospital admission (procedure)' }],
  },
];

export const GIVEN_NAMES = {
  male: [
    'James',
    'John',
    'Robert',
    'Michael',
    'David',
    'William',
    'Joseph',
    'Thomas',
    'Daniel',
    'Matthew',
    'Anthony',
    'Mark',
    'Luis',
    'Carlos',
    'Wei',
    'Hiroshi',
    'Ahmed',
    'Omar',
    'Kwame',
    'Ivan',
    'Noah',
    'Liam',
    'Ethan',
    'Samuel',
  ],
  female: [
    'Mary',
    'Patricia',
    'Jennifer',
    'Linda',
    'Elizabeth',
    'Barbara',
    'Susan',
    'Jessica',
    'Sarah',
    'Karen',
    'Maria',
    'Sofia',
    'Ana',
    'Mei',
    'Yuki',
    'Fatima',
    'Aisha',
    'Amara',
    'Olga',
    'Emma',
    'Olivia',
    'Ava',
    'Chloe',
    'Grace',
  ],
} as const;

export const FAMILY_NAMES: readonly string[] = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Nguyen',
  'Chen',
  'Wang',
  'Kim',
  'Patel',
  'Singh',
  'Khan',
  'Okafor',
  'Mensah',
  'Ivanova',
  'Kowalski',
  'Müller',
  "O'Brien",
  'Murphy',
  'Rossi',
  'Tanaka',
  'Sato',
  'Cohen',
];

export const STREETS: readonly string[] = [
  'Main St',
  'Oak Ave',
  'Maple St',
  'Cedar Ln',
  'Elm St',
  'Pine St',
  'Washington Ave',
  'Lake Rd',
  'Hill St',
  'Park Ave',
  'Church St',
  'River Rd',
  'Highland Ave',
  'Mill St',
  'School St',
  'Spring St',
];

/** City, state, the first three digits of its ZIP codes and its telephone area code. */
export const CITIES: readonly { city: string; state: string; zip3: string; areaCode: string }[] = [
  { city: 'Boston', state: 'MA', zip3: '021', areaCode: '617' },
  { city: 'Worcester', state: 'MA', zip3: '016', areaCode: '508' },
  { city: 'Providence', state: 'RI', zip3: '029', areaCode: '401' },
  { city: 'Hartford', state: 'CT', zip3: '061', areaCode: '860' },
  { city: 'Portland', state: 'ME', zip3: '041', areaCode: '207' },
  { city: 'Albany', state: 'NY', zip3: '122', areaCode: '518' },
  { city: 'Pittsburgh', state: 'PA', zip3: '152', areaCode: '412' },
  { city: 'Columbus', state: 'OH', zip3: '432', areaCode: '614' },
  { city: 'Madison', state: 'WI', zip3: '537', areaCode: '608' },
  { city: 'Denver', state: 'CO', zip3: '802', areaCode: '303' },
  { city: 'Austin', state: 'TX', zip3: '787', areaCode: '512' },
  { city: 'Sacramento', state: 'CA', zip3: '958', areaCode: '916' },
  { city: 'Seattle', state: 'WA', zip3: '981', areaCode: '206' },
  { city: 'Atlanta', state: 'GA', zip3: '303', areaCode: '404' },
  { city: 'Phoenix', state: 'AZ', zip3: '850', areaCode: '602' },
  { city: 'Raleigh', state: 'NC', zip3: '276', areaCode: '919' },
];

function vital(
  code: string,
  display: string,
  ucum: string,
  unit: string,
  decimals: number,
  adult: readonly [number, number],
  elevated?: readonly [number, number],
): MeasureSpec {
  return { code, display, category: 'vital-signs', ucum, unit, decimals, adult, ...(elevated ? { elevated } : {}) };
}

function lab(
  code: string,
  display: string,
  ucum: string,
  decimals: number,
  adult: readonly [number, number],
  elevated?: readonly [number, number],
): MeasureSpec {
  return {
    code,
    display,
    category: 'laboratory',
    ucum,
    unit: ucum,
    decimals,
    adult,
    ...(elevated ? { elevated } : {}),
  };
}
