/** One thing wrong with a ViewDefinition, located by a FHIRPath-style path such as `ViewDefinition.select[0].column[1].name`. */
export interface ViewProblem {
  message: string;
  path: string;
}

/**
 * A ViewDefinition that cannot be run. The REST layer answers 400 with one OperationOutcome issue per problem;
 * this package stays free of HTTP and of the server's error type.
 */
export class ViewDefinitionError extends Error {
  constructor(readonly problems: ViewProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    this.name = 'ViewDefinitionError';
  }
}

/** A valid view that failed on one resource, e.g. several values in a column without `collection: true`. */
export class ViewEvaluationError extends Error {
  constructor(
    message: string,
    /** Where in the view, as in `ViewProblem.path`. */
    readonly path: string,
    /** `Type/id` of the resource being evaluated. */
    readonly resource: string,
  ) {
    super(`${resource}: ${path}: ${message}`);
    this.name = 'ViewEvaluationError';
  }
}

/**
 * A run that would cost more than its budget allows: one resource expanding to too many rows (a `repeat` listing a
 * path twice doubles per level), too many rows in all, or too long. Not a fault of the view's logic, so it is kept
 * apart from `ViewEvaluationError`: the caller answers "too costly" and points at `$viewdefinition-export`.
 */
export class ViewBudgetError extends Error {
  constructor(
    message: string,
    /** `Type/id` of the resource being evaluated, when one resource is to blame. */
    readonly resource?: string,
  ) {
    super(resource === undefined ? message : `${resource}: ${message}`);
    this.name = 'ViewBudgetError';
  }
}
