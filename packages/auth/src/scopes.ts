/**
 * SMART system scopes, v1 (`system/Patient.read`, `.write`, `.*`) and v2 (`system/Patient.rs`, `system/*.cruds`),
 * reduced to one form: a resource type (or `*`) and the set of interactions it allows. Backend Services clients act
 * for no user or patient, so only `system/` scopes mean anything here; anything else is left out of a grant.
 */
export type Verb = 'c' | 'r' | 'u' | 'd' | 's';
const V2_ORDER: readonly Verb[] = ['c', 'r', 'u', 'd', 's'];
const V1_VERBS: Record<string, readonly Verb[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': V2_ORDER };

export interface SmartScope {
  /** A resource type, or `*` for every type. */
  type: string;
  verbs: ReadonlySet<Verb>;
  /** Written as SMART v1 (`.read`) or v2 (`.rs`); a grant answers in the form it was asked in. */
  version: 1 | 2;
}

const SCOPE = /^system\/(\*|[A-Z][A-Za-z]{0,63})\.([a-z*]+)$/;

/** A scope's meaning, or undefined for anything that is not a system scope (v2 letters must be in c-r-u-d-s order). */
export function parseScope(text: string): SmartScope | undefined {
  const match = SCOPE.exec(text);
  if (!match) return undefined;
  const [, type = '', action = ''] = match;
  const v1 = V1_VERBS[action];
  if (v1) return { type, verbs: new Set(v1), version: 1 };
  const letters = [...action];
  let last = -1;
  for (const letter of letters) {
    const at = V2_ORDER.indexOf(letter as Verb);
    if (at <= last) return undefined; // unknown letter, repeated, or out of order (`system/*.rc` is not a v2 scope)
    last = at;
  }
  return { type, verbs: new Set(letters as Verb[]), version: 2 };
}

/** The space-separated scopes of a request or registration: the ones understood, and the rest as written. */
export function parseScopes(text: string): { scopes: SmartScope[]; unknown: string[] } {
  const scopes: SmartScope[] = [];
  const unknown: string[] = [];
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    const scope = parseScope(word);
    if (scope) scopes.push(scope);
    else unknown.push(word);
  }
  return { scopes, unknown };
}

/** A scope as SMART writes it; v1 only when its verbs are exactly a v1 action's. */
export function formatScope({ type, verbs, version }: SmartScope): string {
  if (version === 1) {
    const v1 = Object.entries(V1_VERBS).find(([, set]) => set.length === verbs.size && set.every((v) => verbs.has(v)));
    if (v1) return `system/${type}.${v1[0]}`;
  }
  return `system/${type}.${V2_ORDER.filter((v) => verbs.has(v)).join('')}`;
}

/**
 * What a token may carry: for each scope asked for, the part of it that some registered scope also covers (a
 * narrower type wins over `*`; verbs are intersected). `system/*.read` asked by a client registered for
 * `system/Patient.rs` is granted as `system/Patient.read`. Duplicates are dropped; order follows the request.
 */
export function grantScopes(requested: readonly SmartScope[], registered: readonly SmartScope[]): SmartScope[] {
  const granted = new Map<string, SmartScope>();
  for (const asked of requested) {
    for (const allowed of registered) {
      const type =
        asked.type === '*'
          ? allowed.type
          : allowed.type === '*' || allowed.type === asked.type
            ? asked.type
            : undefined;
      if (type === undefined) continue;
      const verbs = new Set([...asked.verbs].filter((v) => allowed.verbs.has(v)));
      if (verbs.size === 0) continue;
      const scope: SmartScope = { type, verbs, version: asked.version };
      granted.set(formatScope(scope), scope);
    }
  }
  return [...granted.values()];
}

/** Whether any scope allows `verb` on `type`. */
export const allows = (scopes: readonly SmartScope[], type: string, verb: Verb): boolean =>
  scopes.some((scope) => (scope.type === '*' || scope.type === type) && scope.verbs.has(verb));
