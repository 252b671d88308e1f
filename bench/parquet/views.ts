import { type FhirResource, SAMPLE_VIEW_IDS, type SampleViewId, sampleView } from '@fhir-bulk/sample-data';
import { compileView, type ViewEvaluator } from '@fhir-bulk/view-definition';
import type { Send } from '../lib/services';

/** The types the Parquet benchmark loads and exports: those its two views read. */
export const PARQUET_TYPES = ['Patient', 'Observation'];

/** What one view should yield over the dataset, worked out from the resources as they are loaded. */
export interface ViewExpectation {
  id: SampleViewId;
  /** The view's `name`: its Parquet files' stem. */
  name: string;
  resource: string;
  /** Rows over all resources. */
  rows: number;
  /** Resources with at least one row: the distinct ids in the view's `id` column. */
  resources: number;
}

/**
 * Runs the sample views over every resource it is shown, with the evaluator the worker uses too, and sums their
 * rows. The Parquet files are checked against these figures.
 */
export class ViewTally {
  private readonly views: Array<ViewExpectation & { evaluator: ViewEvaluator }>;

  constructor(ids: readonly SampleViewId[] = SAMPLE_VIEW_IDS) {
    this.views = ids.map((id) => {
      const view = sampleView(id);
      return {
        id,
        name: String(view.name),
        resource: view.resource,
        rows: 0,
        resources: 0,
        evaluator: compileView(view),
      };
    });
  }

  readonly add = (resource: FhirResource): void => {
    for (const view of this.views) {
      if (view.resource !== resource.resourceType) continue;
      const rows = view.evaluator.tuples(resource).length;
      view.rows += rows;
      if (rows > 0) view.resources++;
    }
  };

  expectations(): ViewExpectation[] {
    return this.views.map(({ id, name, resource, rows, resources }) => ({ id, name, resource, rows, resources }));
  }
}

/** Stores the views in the tenant under their own ids (PUT: created, or replaced as they are now). */
export async function storeViews(
  tenantBaseUrl: string,
  send: Send,
  ids: readonly SampleViewId[] = SAMPLE_VIEW_IDS,
): Promise<void> {
  for (const id of ids) {
    const response = await send(`${tenantBaseUrl}/ViewDefinition/${id}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify(sampleView(id)),
    });
    if (response.status !== 200 && response.status !== 201) {
      throw new Error(`storing ViewDefinition/${id} answered ${response.status}: ${await response.text()}`);
    }
  }
}

/** The Parquet kick-off's query string: the views' rows, one table (file set) per view. */
export const parquetExportQuery = (ids: readonly SampleViewId[] = SAMPLE_VIEW_IDS) =>
  `_outputFormat=application/vnd.apache.parquet&_viewDefinition=${ids.join(',')}`;
