import { badRequest, type NamedElements } from '@fhir-bulk/fhir';

/** One kick-off parameter as the client sent it: a query-string pair, or one `Parameters.parameter` of a POST. */
export interface KickoffParameter {
  name: string;
  /** The value as text: primitives as written, a `valueReference` as its `reference`. */
  value: string;
  /** `patient` is accepted only from a POST body (IG 3.0.0: "POST requests only"). */
  source: 'query' | 'body';
}

/**
 * Every parameter of a kick-off (`requestParameters` of packages/fhir: the query string's, then a POST body's) as
 * text, each read at once so that a malformed one is refused before anything else is checked.
 */
export function kickoffParameters(parameters: NamedElements): KickoffParameter[] {
  return parameters.remaining().map((p) => ({ name: p.name, value: p.text(), source: p.source }));
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
