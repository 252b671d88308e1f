import { type Model } from 'fhirpath';

/** A node of the syntax tree `fhirpath.parse` returns. */
export interface PathNode {
  type: string;
  text?: string;
  delimitedText?: string;
  children?: PathNode[];
}

/** What a path's `%name`s and its value types are judged against. */
export interface PathScope {
  model: Model;
  /** FHIR type of each constant, by name (`%rowIndex` is built in). */
  constants: ReadonlyMap<string, string>;
}

/** The `%name`s an expression reads. */
export function externalConstants(node: PathNode, into: string[] = []): string[] {
  if (node.type === 'ExternalConstantTerm') into.push(constantName(node));
  for (const child of node.children ?? []) externalConstants(child, into);
  return into;
}

const constantName = (node: PathNode) => node.delimitedText ?? node.text ?? '';

/** Type names an expression uses (`ofType(X)`, `is X`, `getReferenceKey(X)`, …) that the model does not know. */
export function unknownTypes(node: PathNode, model: Model, into: string[] = []): string[] {
  const [first, second] = node.children ?? [];
  const specifier =
    node.type === 'TypeExpression'
      ? second?.text
      : node.type === 'Functn' && TYPE_FUNCTIONS.has(first?.text ?? '')
        ? second?.children?.[0]?.text
        : undefined;
  if (specifier && !isKnownType(model, specifier)) into.push(specifier);
  for (const child of node.children ?? []) unknownTypes(child, model, into);
  return into;
}

const TYPE_FUNCTIONS = new Set(['ofType', 'as', 'is', 'getReferenceKey']);
/** Roots the models' parent tables leave out, and FHIRPath System types not in SYSTEM_TYPES. */
const OTHER_TYPES = new Set(['Base', 'Resource', 'Element', 'Any', 'Long', 'Quantity']);

function isKnownType(model: Model, specifier: string): boolean {
  const name = bareName(specifier);
  return name in model.type2Parent || name in SYSTEM_TYPES || OTHER_TYPES.has(name);
}

/**
 * The FHIR type of what `node` yields from a focus of type `focus`, when the path alone tells (the spec's optional
 * type inference: navigation through the model, `ofType()`, functions with a fixed result type); else undefined.
 * Types are FHIR type names (`string`, `HumanName`) or, for backbone elements, element ids (`Patient.contact`).
 */
export function inferType(node: PathNode, focus: string | undefined, scope: PathScope): string | undefined {
  const [first, second] = node.children ?? [];
  switch (node.type) {
    case 'EntireExpression':
    case 'TermExpression':
    case 'InvocationTerm':
    case 'ParenthesizedTerm':
    case 'IndexerExpression':
      return first && inferType(first, focus, scope);
    case 'InvocationExpression':
      return first && second && inferType(second, inferType(first, focus, scope), scope);
    case 'MemberInvocation':
      return focus && memberType(scope.model, focus, node.text ?? '');
    case 'ThisInvocation':
      return focus;
    case 'FunctionInvocation':
      return first && functionType(first, focus);
    case 'ExternalConstantTerm':
      return constantName(node) === 'rowIndex' ? 'integer' : scope.constants.get(constantName(node));
    case 'LiteralTerm':
      return first && literalType(first);
    case 'TypeExpression':
      return node.text === 'is' ? 'boolean' : second?.text && typeName(second.text);
    case 'AdditiveExpression':
      return node.text === '&' ? 'string' : undefined;
    default:
      return BOOLEAN_OPERATORS.has(node.type) ? 'boolean' : undefined;
  }
}

const LITERAL_TYPES: Record<string, string> = {
  StringLiteral: 'string',
  BooleanLiteral: 'boolean',
  DateLiteral: 'date',
  DateTimeLiteral: 'dateTime',
  TimeLiteral: 'time',
  QuantityLiteral: 'Quantity',
  LongNumberLiteral: 'integer64',
};

function literalType(literal: PathNode): string | undefined {
  if (literal.type === 'NumberLiteral') return literal.text?.includes('.') ? 'decimal' : 'integer';
  return LITERAL_TYPES[literal.type];
}

const BOOLEAN_OPERATORS = new Set([
  'EqualityExpression',
  'InequalityExpression',
  'MembershipExpression',
  'AndExpression',
  'OrExpression',
  'XorExpression',
  'ImpliesExpression',
]);

/** Functions that keep their input's type; the rest of the known ones have a fixed result type. */
const SAME_TYPE = new Set(['first', 'last', 'single', 'tail', 'skip', 'take', 'where', 'distinct', 'trace']);
const RESULT_TYPES: Record<string, string> = Object.fromEntries([
  ...'exists empty not all allTrue anyTrue allFalse anyFalse hasValue isDistinct subsetOf supersetOf contains startsWith endsWith matches matchesFull is memberOf'
    .split(' ')
    .map((f) => [f, 'boolean']),
  ...'count length indexOf lastIndexOf toInteger'.split(' ').map((f) => [f, 'integer']),
  ...'join toString substring upper lower replace replaceMatches trim encode decode escape unescape getResourceKey getReferenceKey'
    .split(' ')
    .map((f) => [f, 'string']),
  ['toDecimal', 'decimal'],
  ['toDate', 'date'],
  ['today', 'date'],
  ['toDateTime', 'dateTime'],
  ['now', 'dateTime'],
  ['toTime', 'time'],
  ['extension', 'Extension'],
]);

function functionType(call: PathNode, focus: string | undefined): string | undefined {
  const [identifier, params] = call.children ?? [];
  const name = identifier?.text ?? '';
  if (name === 'ofType' || name === 'as') {
    const type = params?.children?.[0]?.text;
    return type && typeName(type);
  }
  return SAME_TYPE.has(name) ? focus : RESULT_TYPES[name];
}

/** `FHIR.string` → `string`; FHIRPath's own `System.String` (or bare `String`) → the FHIR `string`. */
function typeName(specifier: string): string {
  const name = bareName(specifier);
  return SYSTEM_TYPES[name] ?? name;
}

const bareName = (specifier: string) => specifier.replace(/^(FHIR|System)\./, '').replace(/`/g, '');

const SYSTEM_TYPES: Record<string, string> = {
  String: 'string',
  Boolean: 'boolean',
  Integer: 'integer',
  Decimal: 'decimal',
  Date: 'date',
  DateTime: 'dateTime',
  Time: 'time',
};

/** Looks `name` up on `owner` and its ancestors (`Patient` → `DomainResource` → `Resource`). */
function memberType(model: Model, focus: string, name: string): string | undefined {
  if (name === focus) return focus; // a leading type name, as in `Patient.name`
  for (let owner: string | undefined = focus; owner; owner = parentType(model, owner)) {
    const path = model.pathsDefinedElsewhere[`${owner}.${name}`] ?? `${owner}.${name}`;
    const type = model.path2Type[path];
    if (type) return type === 'BackboneElement' || type === 'Element' ? path : typeName(type);
    if (model.choiceTypePaths[path]) return undefined; // value[x]: only ofType() tells
  }
  return undefined;
}

const parentType = (model: Model, owner: string) =>
  owner.includes('.') ? 'BackboneElement' : model.type2Parent[owner];
