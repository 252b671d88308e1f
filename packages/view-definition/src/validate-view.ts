import { type Model } from 'fhirpath';
import { constantValue, type ConstantValue } from './constants';
import { isResourceType, modelOf, releaseOf } from './fhir-models';
import { type ViewProblem } from './view-errors';
import { type FhirRelease, type ViewDefinition } from './view-definition';
import { planView, type ViewPlan } from './view-plan';

export interface ViewOptions {
  /** FHIR release of the resources; by default taken from the view's `fhirVersion`, else R4. */
  fhirRelease?: FhirRelease;
}

/**
 * Everything wrong with a ViewDefinition, before any resource is read: its structure, names, constants, resource
 * type, and the FHIRPath in it. Empty when the view can be compiled.
 */
export function validateView(view: unknown, options: ViewOptions = {}): ViewProblem[] {
  return analyseView(view, options).problems;
}

export interface ViewAnalysis {
  problems: ViewProblem[];
  /** Present when there are no problems. */
  checked?: { model: Model; plan: ViewPlan; constants: Map<string, ConstantValue> };
}

/** `validateView`, plus, for a valid view, what compiling it needs. */
export function analyseView(view: unknown, options: ViewOptions): ViewAnalysis {
  const problems: ViewProblem[] = [];
  const check = new Checker(problems);
  if (!check.object(view, 'ViewDefinition')) return { problems };
  check.keys(view, 'ViewDefinition', VIEW_ELEMENTS);
  if (view.resourceType !== undefined && view.resourceType !== 'ViewDefinition') {
    check.report('ViewDefinition.resourceType', 'must be ViewDefinition');
  }
  if (view.name !== undefined) check.sqlName(view.name, 'ViewDefinition.name');
  const release = check.stringArray(view.fhirVersion, 'ViewDefinition.fhirVersion')
    ? releaseOf(view.fhirVersion, options.fhirRelease)
    : undefined;
  if (!release && Array.isArray(view.fhirVersion)) {
    check.report('ViewDefinition.fhirVersion', 'names no FHIR version this runner supports (4.x or 5.x)');
  }
  const model = release && modelOf(release);
  if (typeof view.resource !== 'string') check.report('ViewDefinition.resource', 'is required: a resource type');
  else if (model && !isResourceType(model, view.resource)) {
    check.report('ViewDefinition.resource', `${view.resource} is not a ${release} resource type`);
  }
  const constants = checkConstants(view.constant, check);
  if (!Array.isArray(view.select) || view.select.length === 0) {
    check.report('ViewDefinition.select', 'is required: at least one select');
  } else view.select.forEach((s, i) => checkSelect(s, `ViewDefinition.select[${i}]`, check));
  check.array(view.where, 'ViewDefinition.where', (w, at) => {
    if (!check.object(w, at)) return;
    check.keys(w, at, ['path', 'description']);
    check.path(w.path, `${at}.path`);
    check.optionalString(w.description, `${at}.description`);
  });
  if (problems.length > 0 || !model) return { problems };

  const types = new Map([...constants].map(([name, c]) => [name, c.type]));
  // The shape checks above make the input a ViewDefinition.
  const planned = planView(view as ViewDefinition, { model, constants: types });
  if (planned.problems.length > 0) return { problems: planned.problems };
  return { problems: [], checked: { model, plan: planned.plan, constants } };
}

function checkConstants(input: unknown, check: Checker): Map<string, ConstantValue> {
  const constants = new Map<string, ConstantValue>();
  check.array(input, 'ViewDefinition.constant', (c, at) => {
    if (!check.object(c, at)) return;
    check.keys(c, at, ['name'], /^value/);
    if (!check.sqlName(c.name, `${at}.name`)) return;
    if (c.name === 'rowIndex') check.report(`${at}.name`, '%rowIndex is built in and cannot be redefined');
    else if (constants.has(c.name)) check.report(`${at}.name`, `constant ${c.name} is already defined`);
    const value = constantValue(c);
    if ('problem' in value) check.report(at, value.problem);
    else constants.set(c.name, value);
  });
  return constants;
}

function checkSelect(select: unknown, at: string, check: Checker): void {
  if (!check.object(select, at)) return;
  check.keys(select, at, ['column', 'select', 'forEach', 'forEachOrNull', 'repeat', 'unionAll']);
  check.array(select.column, `${at}.column`, (column, c) => {
    if (!check.object(column, c)) return;
    check.keys(column, c, ['name', 'path', 'type', 'collection', 'description', 'tag']);
    check.sqlName(column.name, `${c}.name`);
    check.path(column.path, `${c}.path`);
    check.optionalString(column.type, `${c}.type`);
    check.optionalString(column.description, `${c}.description`);
    if (column.collection !== undefined && typeof column.collection !== 'boolean') {
      check.report(`${c}.collection`, 'must be true or false');
    }
    check.array(column.tag, `${c}.tag`, (tag, t) => {
      if (!check.object(tag, t)) return;
      check.keys(tag, t, ['name', 'value']);
      if (typeof tag.name !== 'string' || typeof tag.value !== 'string') check.report(t, 'needs a name and a value');
    });
  });
  const iterations = ['forEach', 'forEachOrNull', 'repeat'].filter((k) => select[k] !== undefined);
  if (iterations.length > 1) check.report(at, `may have only one of forEach, forEachOrNull and repeat`);
  if (select.forEach !== undefined) check.path(select.forEach, `${at}.forEach`);
  if (select.forEachOrNull !== undefined) check.path(select.forEachOrNull, `${at}.forEachOrNull`);
  if (select.repeat !== undefined) {
    if (!Array.isArray(select.repeat) || select.repeat.length === 0) {
      check.report(`${at}.repeat`, 'must be a non-empty list of FHIRPath expressions');
    } else select.repeat.forEach((p, i) => check.path(p, `${at}.repeat[${i}]`));
  }
  check.array(select.select, `${at}.select`, (s, i) => checkSelect(s, i, check));
  check.array(select.unionAll, `${at}.unionAll`, (s, i) => checkSelect(s, i, check));
}

type JsonObject = Record<string, unknown>;

/** The ViewDefinition's own elements (SQL on FHIR v2, its logical model), and a stored resource's `meta`. */
const VIEW_ELEMENTS = [
  'resourceType',
  'url',
  'identifier',
  'version',
  'name',
  'title',
  'meta',
  'status',
  'experimental',
  'publisher',
  'contact',
  'description',
  'useContext',
  'copyright',
  'resource',
  'profile',
  'fhirVersion',
  'constant',
  'select',
  'where',
];

/** Structural checks that add to one problem list and narrow what they accept. */
class Checker {
  constructor(private readonly problems: ViewProblem[]) {}

  report(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  object(value: unknown, at: string): value is JsonObject {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return true;
    this.report(at, 'must be a JSON object');
    return false;
  }

  /** Flags misspelt elements, which would otherwise be ignored silently. `id` and extensions are always allowed. */
  keys(value: JsonObject, at: string, known: string[], pattern?: RegExp): void {
    for (const key of Object.keys(value)) {
      if (known.includes(key) || COMMON_ELEMENTS.includes(key) || pattern?.test(key)) continue;
      this.report(`${at}.${key}`, `is not an element here (expected ${known.join(', ')})`);
    }
  }

  array(value: unknown, at: string, each: (item: unknown, at: string) => void): void {
    if (value === undefined) return;
    if (!Array.isArray(value)) this.report(at, 'must be a list');
    else value.forEach((item, i) => each(item, `${at}[${i}]`));
  }

  stringArray(value: unknown, at: string): value is string[] | undefined {
    if (value === undefined || (Array.isArray(value) && value.every((v) => typeof v === 'string'))) return true;
    this.report(at, 'must be a list of strings');
    return false;
  }

  sqlName(value: unknown, at: string): value is string {
    if (typeof value === 'string' && SQL_NAME.test(value)) return true;
    this.report(at, `must be a name of letters, digits and _, starting with a letter (got ${JSON.stringify(value)})`);
    return false;
  }

  path(value: unknown, at: string): void {
    if (typeof value !== 'string' || value.trim() === '') this.report(at, 'must be a FHIRPath expression');
  }

  optionalString(value: unknown, at: string): void {
    if (value !== undefined && typeof value !== 'string') this.report(at, 'must be a string');
  }
}

const COMMON_ELEMENTS = ['id', 'extension', 'modifierExtension'];
/** Names of views, columns and constants must be usable as SQL identifiers (the spec's `sql-name` invariant). */
const SQL_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
