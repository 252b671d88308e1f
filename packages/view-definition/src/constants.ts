import * as fhirpath from 'fhirpath';

/** The FHIR types a constant's `value[x]` may have (ViewDefinition.constant.value[x]). */
const CONSTANT_TYPES = [
  'base64Binary',
  'boolean',
  'canonical',
  'code',
  'date',
  'dateTime',
  'decimal',
  'id',
  'instant',
  'integer',
  'integer64',
  'oid',
  'string',
  'positiveInt',
  'time',
  'unsignedInt',
  'uri',
  'url',
  'uuid',
] as const;
export type ConstantType = (typeof CONSTANT_TYPES)[number];

const BY_ELEMENT = new Map<string, ConstantType>(
  CONSTANT_TYPES.map((t) => [`value${t[0]!.toUpperCase()}${t.slice(1)}`, t]),
);

/**
 * FHIRPath compares a FHIR date element with a plain string as unequal, so temporal constants become FHIRPath
 * Date/DateTime/Time values (as if written `@2020-01-01`) and integer64 a Long; other types are used as they are.
 */
const CONVERSIONS: Partial<Record<ConstantType, string>> = {
  date: 'toDate',
  dateTime: 'toDateTime',
  instant: 'toDateTime',
  time: 'toTime',
  integer64: 'toLong',
};

export interface ConstantValue {
  type: ConstantType;
  /** What `%name` evaluates to. */
  value: unknown;
}

/** A constant's type and FHIRPath value, or why it has none. Runs once per view, never per resource. */
export function constantValue(constant: Readonly<Record<string, unknown>>): ConstantValue | { problem: string } {
  const elements = Object.keys(constant).filter((k) => k.startsWith('value'));
  if (elements.length !== 1) return { problem: 'a constant needs exactly one value[x]' };
  const element = elements[0]!;
  const type = BY_ELEMENT.get(element);
  if (!type) return { problem: `${element} is not a constant type (${[...BY_ELEMENT.keys()].join(', ')})` };
  const raw = constant[element];
  const problem = checkJsonType(type, raw);
  if (problem) return { problem: `${element} ${problem}` };
  const conversion = CONVERSIONS[type];
  if (!conversion) return { type, value: raw };
  const [value] = fhirpath.compile(`%value.${conversion}()`, undefined, { resolveInternalTypes: false })(
    {},
    { value: raw },
  );
  return value === undefined
    ? { problem: `${element} ${JSON.stringify(raw)} is not a valid ${type}` }
    : { type, value };
}

function checkJsonType(type: ConstantType, raw: unknown): string | undefined {
  switch (type) {
    case 'boolean':
      return typeof raw === 'boolean' ? undefined : 'must be true or false';
    case 'decimal':
      return typeof raw === 'number' ? undefined : 'must be a number';
    case 'integer':
      return isInteger(raw) ? undefined : 'must be an integer';
    case 'positiveInt':
      return isInteger(raw) && raw > 0 ? undefined : 'must be an integer above 0';
    case 'unsignedInt':
      return isInteger(raw) && raw >= 0 ? undefined : 'must be an integer of 0 or more';
    case 'integer64':
      // R5 JSON writes integer64 as a string; a number is accepted while it is exact.
      return (typeof raw === 'string' && /^-?\d+$/.test(raw)) || Number.isSafeInteger(raw)
        ? undefined
        : 'must be a whole number (as a string)';
    default:
      return typeof raw === 'string' ? undefined : 'must be a string';
  }
}

const isInteger = (raw: unknown): raw is number => Number.isInteger(raw);
