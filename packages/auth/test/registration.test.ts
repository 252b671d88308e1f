import { generateClientKeyPair, type ClientKeyPair, OAuthError, parseRegistration } from '../src';

let es384: ClientKeyPair;
let rs384: ClientKeyPair;
beforeAll(async () => {
  es384 = await generateClientKeyPair('ES384');
  rs384 = await generateClientKeyPair('RS384');
});

const valid = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  client_name: 'nightly export',
  jwks: { keys: [es384.publicJwk] },
  scope: 'system/*.read system/Patient.cruds',
  permissions: ['bulk-export/read'],
  tenants: ['*'],
  ...overrides,
});

/** The error a registration body is refused with; fails the test if it is accepted. */
function refusal(body: unknown): OAuthError {
  try {
    parseRegistration(body);
  } catch (error) {
    if (error instanceof OAuthError) return error;
    throw error;
  }
  throw new Error(`accepted: ${JSON.stringify(body)}`);
}

const without = (field: string) => {
  const body = valid();
  delete body[field];
  return body;
};

describe('parseRegistration accepts', () => {
  it('a client with inline public keys, its scopes normalised and its lists without duplicates', () => {
    const registration = parseRegistration(
      valid({
        jwks: { keys: [es384.publicJwk, rs384.publicJwk] },
        scope: ' system/*.read   system/Patient.cruds ',
        permissions: ['bulk-export/read', 'admin', 'bulk-export/read'],
        tenants: ['default', 't-2', 'default'],
      }),
    );
    expect(registration).toEqual({
      client_name: 'nightly export',
      jwks: { keys: [es384.publicJwk, rs384.publicJwk] },
      scope: 'system/*.read system/Patient.cruds',
      permissions: ['bulk-export/read', 'admin'],
      tenants: ['default', 't-2'],
    });
  });

  it('a client with a jwks_uri instead of keys', () => {
    const registration = parseRegistration({ ...without('jwks'), jwks_uri: 'https://a.example/k' });
    expect(registration.jwks_uri).toBe('https://a.example/k');
    expect(registration.jwks).toBeUndefined();
  });

  it('a client with no permissions, as one with an empty list', () => {
    expect(parseRegistration(without('permissions')).permissions).toEqual([]);
  });

  it('every permission the server knows', () => {
    const permissions = ['bulk-export/read', 'bulk-import/write', 'audit/read', 'admin'];
    expect(parseRegistration(valid({ permissions })).permissions).toEqual(permissions);
  });
});

describe('parseRegistration refuses with invalid_client_metadata (400)', () => {
  it.each<[string, () => unknown, RegExp]>([
    ['a body that is not an object', () => ['client_name'], /object/],
    ['a body that is null', () => null, /object/],
    ['a missing client_name', () => without('client_name'), /client_name/],
    ['a blank client_name', () => valid({ client_name: '   ' }), /client_name/],
    ['a client_name that is not a string', () => valid({ client_name: 42 }), /client_name/],
    ['both jwks and jwks_uri', () => valid({ jwks_uri: 'https://a.example/k' }), /jwks/],
    ['neither jwks nor jwks_uri', () => without('jwks'), /jwks/],
    ['a private key in jwks', () => valid({ jwks: { keys: [es384.privateJwk] } }), /private/],
    ['a private RSA key in jwks', () => valid({ jwks: { keys: [rs384.privateJwk] } }), /private/],
    ['an HMAC key (kty oct)', () => valid({ jwks: { keys: [{ kty: 'oct', kid: 'h', k: 'c2VjcmV0' }] } }), /kty/],
    ['a key without kid', () => valid({ jwks: { keys: [{ ...es384.publicJwk, kid: undefined }] } }), /kid/],
    ['an empty key set', () => valid({ jwks: { keys: [] } }), /jwks/],
    ['a jwks that is not a key set', () => valid({ jwks: [es384.publicJwk] }), /jwks/],
    ['a jwks_uri that is not a URL', () => ({ ...without('jwks'), jwks_uri: 'keys.json' }), /jwks_uri/],
    ['a jwks_uri that is not http(s)', () => ({ ...without('jwks'), jwks_uri: 'file:///etc/keys' }), /jwks_uri/],
    ['a missing scope', () => without('scope'), /scope/],
    ['a scope out of c-r-u-d-s order', () => valid({ scope: 'system/*.rc' }), /system\/\*\.rc/],
    ['a patient scope', () => valid({ scope: 'system/*.read patient/*.read' }), /patient\/\*\.read/],
    ['a scope that is a list', () => valid({ scope: ['system/*.read'] }), /scope/],
    ['an unknown permission', () => valid({ permissions: ['bulk-export/read', 'root'] }), /root/],
    ['permissions that are not a list', () => valid({ permissions: 'admin' }), /permissions/],
    ['a tenant that is not a tenant id', () => valid({ tenants: ['default', 'bad!id'] }), /bad!id/],
    ['an empty tenant list', () => valid({ tenants: [] }), /tenants/],
    ['missing tenants', () => without('tenants'), /tenants/],
    ['tenants that are not strings', () => valid({ tenants: [1] }), /tenants/],
  ])('%s', (_what, body, named) => {
    const error = refusal(body());
    expect(error.error).toBe('invalid_client_metadata');
    expect(error.status).toBe(400);
    expect(error.body).toEqual({ error: 'invalid_client_metadata', error_description: expect.stringMatching(named) });
  });
});
