import { type ResourceNode, type UserInvocationTable, util } from 'fhirpath';
import { boundaryFunction } from './boundary-functions';

/**
 * What views need beyond fhirpath.js: SQL on FHIR's `getResourceKey()` and `getReferenceKey([type])`, a `join()`
 * that gives '' for no input, as SQL on FHIR's tests require (fhirpath.js gives nothing), and `lowBoundary()` and
 * `highBoundary()` that give a dateTime without an offset the extreme offsets (see boundary-functions.ts).
 *
 * A key is the resource id (the spec's simplest option): a view reads one resource type, whose ids are unique, and
 * a relative reference `Type/id` yields the same id. Keys do not say the type; `getReferenceKey(Patient)` checks it.
 */
export const viewFunctions: UserInvocationTable = {
  getResourceKey: { fn: resourceKeys, arity: { 0: [] }, internalStructures: true },
  getReferenceKey: { fn: referenceKeys, arity: { 0: [], 1: ['TypeSpecifier'] }, internalStructures: true },
  join: { fn: join, arity: { 0: [], 1: ['String'] }, internalStructures: true },
  lowBoundary: { fn: boundaryFunction('lowBoundary'), arity: { 0: [], 1: ['Integer'] }, internalStructures: true },
  highBoundary: { fn: boundaryFunction('highBoundary'), arity: { 0: [], 1: ['Integer'] }, internalStructures: true },
};

/** Ids of the resources the input elements belong to (the resource itself when called at its root). */
function resourceKeys(nodes: unknown[]): string[] {
  const keys: string[] = [];
  for (const node of nodes) {
    for (let n: ResourceNode | null = isNode(node) ? node : null; n; n = n.parentResNode) {
      if (isResource(n.data)) {
        if (typeof n.data.id === 'string') keys.push(n.data.id);
        break;
      }
    }
  }
  return keys;
}

/** Relative literal references only (`Patient/1`, `Patient/1/_history/2`); others have no key, as the spec allows. */
const RELATIVE_REFERENCE = /^([A-Z][A-Za-z]*)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

function referenceKeys(nodes: unknown[], type?: { name: string }): string[] {
  const keys: string[] = [];
  for (const node of nodes) {
    const reference: unknown = isNode(node) && isObject(node.data) ? node.data.reference : undefined;
    const match = typeof reference === 'string' ? RELATIVE_REFERENCE.exec(reference) : null;
    if (match && (!type || match[1] === type.name)) keys.push(match[2]!);
  }
  return keys;
}

function join(items: unknown[], separator = ''): string {
  const strings = items.map((item) => util.valData(item)).filter((value) => value != null);
  if (strings.some((value) => typeof value !== 'string')) throw new Error('join() needs a collection of strings');
  return strings.join(separator);
}

const isObject = (data: unknown): data is Record<string, unknown> => typeof data === 'object' && data !== null;
const isResource = (data: unknown): data is { resourceType: string; id?: unknown } =>
  isObject(data) && typeof data.resourceType === 'string';
/** With `internalStructures`, fhirpath.js passes its ResourceNodes (elements) alongside plain values (literals). */
const isNode = (item: unknown): item is ResourceNode => isObject(item) && 'parentResNode' in item && 'data' in item;
