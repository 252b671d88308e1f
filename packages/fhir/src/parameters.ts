import { badRequest, notSupported } from './outcome';

/** A JSON object (not an array, not null). */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The `parameter` list of an operation's `Parameters` body, read by name. `what` names the body in the error
 * (`an $import kick-off`); no `parameter` at all is an empty list.
 */
export function parametersOf(body: unknown, what: string): NamedElements {
  if (!isObject(body) || body.resourceType !== 'Parameters') {
    throw badRequest(`The body of ${what} must be a FHIR Parameters resource`);
  }
  return new NamedElements(body.parameter, 'Parameters.parameter', '', 'parameter');
}

/**
 * A `Parameters.parameter` or one of its parts, or a query-string pair. Errors name it by `at` (`input[2].url`, built
 * from names), or by `path` (`parameter[0].part[1]`, its position, as SQL on FHIR's examples name parameters).
 */
export class NamedElement {
  constructor(
    readonly name: string,
    readonly at: string,
    readonly path: string,
    private readonly element: Record<string, unknown>,
    /** A query-string pair is text of no declared type: it passes for any `value[x]` a body may use. */
    readonly source: 'query' | 'body' = 'body',
  ) {}

  /** A query-string pair, held as the `valueString` it would be in a body. */
  static query(name: string, text: string): NamedElement {
    return new NamedElement(name, name, name, { name, valueString: text }, 'query');
  }

  hasParts(): boolean {
    return 'part' in this.element;
  }

  /** The one `value[x]`, of one of `types` when they are given, as JSON has it. */
  primitive(types?: readonly string[]): unknown {
    const keys = Object.keys(this.element).filter((key) => key.startsWith('value'));
    if (keys.length !== 1 || this.hasParts() || 'resource' in this.element) {
      throw badRequest(`${this.at} must have exactly one value[x] and no part or resource`, this.at);
    }
    const key = keys[0]!;
    if (types && this.source === 'body' && !types.includes(key)) {
      throw badRequest(`${this.at} must be a ${types.join(' or ')}, not a ${key}`, this.at);
    }
    return this.element[key];
  }

  /** The one `value[x]`, of one of `types`, as a non-blank string. */
  value(types: readonly string[]): string {
    const value = this.primitive(types);
    if (typeof value !== 'string' || value.trim() === '') {
      throw badRequest(`${this.at} must be a non-empty string`, this.at);
    }
    return value.trim();
  }

  /** The one `value[x]` as text, whatever its type: a primitive as written, a `valueReference` as its `reference`. */
  text(): string {
    const value = this.primitive();
    if ('valueReference' in this.element) return this.reference();
    if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return String(value);
    throw badRequest(`${this.at} must have a primitive value`, this.at);
  }

  /** The one `value[x]`, which must be `key` (`valueIdentifier`, `valueCoding`): a complex value, as an object. */
  complexValue(key: string): Record<string, unknown> {
    const keys = Object.keys(this.element).filter((k) => k.startsWith('value'));
    const value = this.element[key];
    if (keys.length !== 1 || keys[0] !== key || !isObject(value) || this.hasParts()) {
      throw badRequest(`${this.at} must have exactly one value[x], a ${key}`, this.at);
    }
    return value;
  }

  /** A `valueReference`'s literal `reference`; a query-string pair's text. */
  reference(at = this.at): string {
    if (this.source === 'query') return this.element.valueString as string;
    const value = this.element.valueReference;
    if (isObject(value) && typeof value.reference === 'string') return value.reference;
    throw badRequest(`${this.name} must be a valueReference with a reference`, at);
  }

  /** Its `resource`, the element's one content. */
  resource(at = this.at): Record<string, unknown> {
    const hasValue = Object.keys(this.element).some((key) => key.startsWith('value'));
    if (hasValue || this.hasParts()) throw badRequest(`${this.name} must have a resource and no value[x] or part`, at);
    if (isObject(this.element.resource)) return this.element.resource;
    throw badRequest(`${this.name} needs a resource`, at);
  }

  /** Its parts; `at` renames it for them, as a repeated parameter is named by its position (`input[2]`). */
  parts(at = this.at): NamedElements {
    const hasValue = Object.keys(this.element).some((key) => key.startsWith('value'));
    if (!this.hasParts() || hasValue || 'resource' in this.element) {
      throw badRequest(`${at} must have parts and no value[x] or resource`, at);
    }
    return new NamedElements(this.element.part, `${at}.part`, at, `${this.path}.part`);
  }
}

/**
 * Parameters or parts, read by name: each read consumes the name, so what is left at the end is exactly what this
 * server does not know, and is refused rather than ignored (an ignored part could change what the operation does).
 */
export class NamedElements {
  private pending: NamedElement[];

  /**
   * `list` is found at `listAt`; its elements are named `{prefix}.{name}` (just `{name}` at the top), and their
   * positions `{pathPrefix}[{index}]`.
   */
  constructor(list: unknown, listAt: string, prefix: string, pathPrefix = listAt) {
    if (list === undefined) list = [];
    if (!Array.isArray(list)) throw badRequest(`${listAt} must be an array`, listAt);
    this.pending = list.map((element: unknown, index) => {
      if (!isObject(element) || typeof element.name !== 'string') {
        throw badRequest(`${listAt}[${index}] needs a name`, `${listAt}[${index}]`);
      }
      const at = prefix ? `${prefix}.${element.name}` : element.name;
      return new NamedElement(element.name, at, `${pathPrefix}[${index}]`, element);
    });
  }

  /** Elements read elsewhere (query-string pairs), to be read by name like a list. */
  static of(elements: readonly NamedElement[]): NamedElements {
    const list = new NamedElements([], '', '');
    list.pending = [...elements];
    return list;
  }

  all(name: string): NamedElement[] {
    const taken = this.pending.filter((p) => p.name === name);
    this.pending = this.pending.filter((p) => p.name !== name);
    return taken;
  }

  /** A 0..1 element; given twice it is a 400, since the two could disagree. */
  one(name: string): NamedElement | undefined {
    const taken = this.all(name);
    if (taken.length > 1) throw badRequest(`${taken[0]!.at} may be given only once`, taken[0]!.at);
    return taken[0];
  }

  /** What no read has taken. */
  remaining(): readonly NamedElement[] {
    return this.pending;
  }

  /** Refuses the first element no read has taken: `operation` does not know it. */
  refuseRemaining(operation: string): void {
    const [unknown] = this.pending;
    if (unknown) throw notSupported(`${unknown.at} is not a parameter of ${operation} on this server`, unknown.at);
  }
}

/**
 * The parameters of an operation that takes them from the query string and, in a POST, from a `Parameters` body
 * (`$export`, `$viewdefinition-run`): the query string's first, then the body's, read as one list. Blank query values
 * are dropped, as FHIR search ignores empty parameters. `what` names the body in errors, as in parametersOf.
 */
export function requestParameters(query: string | URLSearchParams, body: unknown, what: string): NamedElements {
  const pairs = [...new URLSearchParams(query)].filter(([, text]) => text.trim() !== '');
  const fromBody = body === undefined ? [] : parametersOf(body, what).remaining();
  return NamedElements.of([...pairs.map(([name, text]) => NamedElement.query(name, text)), ...fromBody]);
}
