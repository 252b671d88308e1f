import { ViewDefinitionError } from './view-errors';
import { type ViewColumnTag } from './view-definition';
import { type PlannedColumn } from './view-plan';
import { analyseView, type ViewOptions } from './validate-view';

/** An output column, enough to declare a table or a Parquet schema before any row exists. */
export interface ViewColumnInfo {
  name: string;
  /** FHIR type: declared, else inferred from the path, else `string`; a backbone element as its id (`Patient.contact`). */
  type: string;
  /** Values are lists. */
  collection: boolean;
  /** E.g. `ansi/type` hints. */
  tags: readonly ViewColumnTag[];
}

export const columnInfo = ({ name, type, collection, tags }: PlannedColumn): ViewColumnInfo => ({
  name,
  type,
  collection,
  tags,
});

/** The columns a view produces, in the spec's order. Throws `ViewDefinitionError` for an invalid view. */
export function viewColumns(view: unknown, options: ViewOptions = {}): ViewColumnInfo[] {
  const { problems, checked } = analyseView(view, options);
  if (!checked) throw new ViewDefinitionError(problems);
  return checked.plan.columns.map(columnInfo);
}
