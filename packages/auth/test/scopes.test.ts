import { allows, formatScope, grantScopes, parseScope, parseScopes, type SmartScope } from '../src';

/** A scope's meaning written out, for comparing with what parseScope gives. */
const meaning = (type: string, verbs: string, version: 1 | 2) => ({ type, verbs: new Set([...verbs]), version });

/** What a token would carry, as the token endpoint writes it. */
const grant = (requested: string, registered: string) =>
  grantScopes(parseScopes(requested).scopes, parseScopes(registered).scopes).map(formatScope);

describe('parseScope', () => {
  it.each([
    ['system/Patient.read', meaning('Patient', 'rs', 1)],
    ['system/Patient.write', meaning('Patient', 'cud', 1)],
    ['system/Observation.*', meaning('Observation', 'cruds', 1)],
    ['system/*.read', meaning('*', 'rs', 1)],
    ['system/*.*', meaning('*', 'cruds', 1)],
  ])('reads the SMART v1 scope %s', (text, expected) => {
    expect(parseScope(text)).toEqual(expected);
  });

  it.each([
    ['system/Patient.rs', meaning('Patient', 'rs', 2)],
    ['system/*.cruds', meaning('*', 'cruds', 2)],
    ['system/Observation.c', meaning('Observation', 'c', 2)],
    ['system/*.cr', meaning('*', 'cr', 2)],
    ['system/ViewDefinition.cud', meaning('ViewDefinition', 'cud', 2)],
  ])('reads the SMART v2 scope %s', (text, expected) => {
    expect(parseScope(text)).toEqual(expected);
  });

  it.each([
    ['letters out of c-r-u-d-s order', 'system/*.rc'],
    ['letters out of order at the end', 'system/Patient.sr'],
    ['a repeated letter', 'system/Patient.rrs'],
    ['an unknown letter', 'system/Patient.rx'],
    ['an unknown v1 action', 'system/Patient.readwrite'],
    ['no action', 'system/Patient'],
    ['an empty action', 'system/Patient.'],
    ['a lower-case type', 'system/patient.read'],
    ['a patient scope', 'patient/Patient.read'],
    ['a user scope', 'user/*.rs'],
    ['an OpenID scope', 'openid'],
    ['launch context', 'launch/patient'],
    ['surrounding text', ' system/Patient.read'],
  ])('is not a system scope with %s (%s)', (_what, text) => {
    expect(parseScope(text)).toBeUndefined();
  });
});

describe('parseScopes', () => {
  it('splits on any whitespace and keeps what it does not understand apart, as written', () => {
    const { scopes, unknown } = parseScopes('  system/Patient.rs\tpatient/*.read\n system/*.read user/Observation.r ');
    expect(scopes.map(formatScope)).toEqual(['system/Patient.rs', 'system/*.read']);
    expect(unknown).toEqual(['patient/*.read', 'user/Observation.r']);
  });

  it('finds nothing in an empty string', () => {
    expect(parseScopes('')).toEqual({ scopes: [], unknown: [] });
  });
});

describe('formatScope', () => {
  it.each([
    [meaning('Patient', 'rs', 1), 'system/Patient.read'],
    [meaning('Patient', 'sr', 1), 'system/Patient.read'],
    [meaning('*', 'dcu', 1), 'system/*.write'],
    [meaning('*', 'cruds', 1), 'system/*.*'],
    [meaning('Patient', 'r', 1), 'system/Patient.r'],
    [meaning('Patient', 'crs', 1), 'system/Patient.crs'],
    [meaning('Patient', 'rs', 2), 'system/Patient.rs'],
    [meaning('*', 'sdurc', 2), 'system/*.cruds'],
  ])('writes %o as %s', (scope, text) => {
    expect(formatScope(scope as SmartScope)).toBe(text);
  });

  it.each(['system/Patient.read', 'system/*.*', 'system/Observation.rs', 'system/*.cud'])(
    'gives back %s as it was parsed',
    (text) => {
      expect(formatScope(parseScope(text)!)).toBe(text);
    },
  );
});

describe('grantScopes', () => {
  it('narrows a wildcard request to the types registered, in the form it was asked in', () => {
    expect(grant('system/*.read', 'system/Patient.rs system/Observation.read')).toEqual([
      'system/Patient.read',
      'system/Observation.read',
    ]);
  });

  it('keeps a narrower type asked for under a wildcard registration', () => {
    expect(grant('system/Patient.read', 'system/*.*')).toEqual(['system/Patient.read']);
    expect(grant('system/Observation.cu', 'system/*.cruds')).toEqual(['system/Observation.cu']);
  });

  it('grants only the verbs both sides allow', () => {
    expect(grant('system/Patient.cruds', 'system/Patient.rs')).toEqual(['system/Patient.rs']);
    expect(grant('system/*.rs', 'system/*.cr')).toEqual(['system/*.r']);
  });

  it('writes a v1 request in v1 when the granted verbs are a v1 action, and in v2 when they are not', () => {
    expect(grant('system/Observation.write', 'system/*.cruds')).toEqual(['system/Observation.write']);
    expect(grant('system/*.*', 'system/Patient.r')).toEqual(['system/Patient.r']);
    expect(grant('system/*.*', 'system/Patient.read')).toEqual(['system/Patient.read']);
  });

  it('grants nothing when no requested scope meets a registered one', () => {
    expect(grant('system/Condition.read', 'system/Patient.rs system/Observation.read')).toEqual([]);
    expect(grant('system/Patient.c', 'system/Patient.rs')).toEqual([]);
    expect(grant('patient/*.read user/*.read', 'system/*.*')).toEqual([]);
  });

  it('ignores patient/ and user/ scopes beside system scopes that are granted', () => {
    expect(grant('patient/Patient.read system/Patient.read user/*.*', 'system/*.read')).toEqual([
      'system/Patient.read',
    ]);
  });

  it('grants each scope once, in the order asked', () => {
    expect(grant('system/Observation.read system/Patient.read system/Observation.read', 'system/*.read')).toEqual([
      'system/Observation.read',
      'system/Patient.read',
    ]);
  });
});

describe('allows', () => {
  const scopes = parseScopes('system/Patient.rs system/*.c').scopes;

  it('allows a verb that a scope of that type or of every type grants', () => {
    expect(allows(scopes, 'Patient', 'r')).toBe(true);
    expect(allows(scopes, 'Patient', 's')).toBe(true);
    expect(allows(scopes, 'Observation', 'c')).toBe(true);
  });

  it('refuses a verb no scope grants for the type', () => {
    expect(allows(scopes, 'Observation', 'r')).toBe(false);
    expect(allows(scopes, 'Patient', 'u')).toBe(false);
    expect(allows([], 'Patient', 'r')).toBe(false);
  });
});
