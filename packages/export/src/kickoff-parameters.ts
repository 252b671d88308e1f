import { badRequest, isObject } from '@fhir-bulk/fhir';

/** One kick-off parameter as the client sent it: a query-string pair, or one `Parameters.parameter` of a POST. */
export interface KickoffParameter {
  name: string;
  /** The value as text: primitives as written, a `valueReference` as its `reference`. */
  value: string;
  /** `patient` is accepted only from a POST body (IG 3.0.0: "POST requests only"). */
  source: 'query' | 'body';
}

/** The parameters of a query string (`?` optional), in order; repeated names stay separate entries. */
export function queryParameters(query: string): KickoffParameter[] {
  return [...new URLSearchParams(query)].map(([name, value]) => ({ name, value, source: 'query' }));
}

/** The parameters of a POST kick-off body, which the IG says is a FHIR `Parameters` resource. */
export function bodyParameters(body: unknown): KickoffParameter[] {
  if (!isObject(body) || body.resourceType !== 'Parameters') {
    throw badRequest('The body of a POST kick-off must be a FHIR Parameters resource');
  }
  if (body.parameter === undefined) return [];
  if (!Array.isArray(body.parameter)) throw badRequest('Parameters.parameter must be an array');
  return body.parameter.map((parameter: unknown) => {
    if (!isObject(parameter) || typeof parameter.name !== 'string') {
      throw badRequest('Each Parameters.parameter needs a name');
    }
    return { name: parameter.name, value: valueOf(parameter, parameter.name), source: 'body' };
  });
}

/** The one `value[x]` of a parameter; every kick-off parameter is a primitive or (`patient`) a Reference. */
function valueOf(parameter: Record<string, unknown>, name: string): string {
  const keys = Object.keys(parameter).filter((key) => key.startsWith('value'));
  if (keys.length !== 1 || 'part' in parameter || 'resource' in parameter) {
    throw badRequest(`Parameter ${name} must have exactly one value[x] and no part or resource`, name);
  }
  const value = parameter[keys[0]!];
  if (keys[0] === 'valueReference') {
    if (isObject(value) && typeof value.reference === 'string') return value.reference;
    throw badRequest(`Parameter ${name} must be a literal reference such as Patient/123`, name);
  }
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return String(value);
  throw badRequest(`Parameter ${name} must have a primitive value`, name);
}

/**
 * The parameters of one request, read by name. Each `take` consumes a name, so what is left at the end is exactly
 * the parameters this server does not know. Blank values are dropped first: FHIR search ignores empty parameters.
 */
export class ParameterList {
  private pending: KickoffParameter[];

  constructor(parameters: KickoffParameter[]) {
    this.pending = parameters.filter((p) => p.value.trim() !== '');
  }

  /** Every occurrence of `name`, removed from the pending ones. */
  take(name: string): KickoffParameter[] {
    const taken = this.pending.filter((p) => p.name === name);
    this.pending = this.pending.filter((p) => p.name !== name);
    return taken;
  }

  /** A 0..1 parameter: its value, or undefined; given twice it is a 400, since the two could disagree. */
  one(name: string): string | undefined {
    const taken = this.take(name);
    if (taken.length > 1) throw badRequest(`${name} may be given only once`, name);
    return taken[0]?.value.trim();
  }

  /**
   * A comma-delimited parameter, undefined when absent. IG 3.0.0: a client "MAY repeat kick-off parameters that
   * accept comma delimited values ... The server SHALL treat the values provided as if they were comma delimited
   * values within a single instance of the parameter."
   */
  list(name: string): string[] | undefined {
    const taken = this.take(name);
    if (taken.length === 0) return undefined;
    const values = taken.flatMap((p) => p.value.split(',')).map((v) => v.trim());
    return [...new Set(values.filter(Boolean))];
  }

  /** The parameters nobody took. */
  remaining(): readonly KickoffParameter[] {
    return this.pending;
  }
}
