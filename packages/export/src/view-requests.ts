import { badRequest, FHIR_ID } from '@fhir-bulk/fhir';
import { type OutputFormat, PARQUET, type ViewRequest } from './export-job';

/**
 * `_viewDefinition` (comma-delimited, repeatable): ids of stored ViewDefinitions, `123` or `ViewDefinition/123`.
 * Parquet holds tables, not resources, so it needs at least one view; NDJSON output of `$export` is FHIR resources
 * (the IG's format), so a view there is refused rather than silently changing what the files hold
 * (`$viewdefinition-export` writes view rows as NDJSON or CSV).
 */
export function parseViewDefinitions(values: string[] | undefined, format: OutputFormat): ViewRequest[] | undefined {
  if (format === PARQUET && !values) {
    throw badRequest(
      'Parquet output needs _viewDefinition: the ids of the ViewDefinitions to write',
      '_viewDefinition',
    );
  }
  if (!values) return undefined;
  if (format !== PARQUET) {
    throw badRequest(
      `_viewDefinition needs _outputFormat=${PARQUET}; for view rows as NDJSON or CSV use $viewdefinition-export`,
      '_viewDefinition',
    );
  }
  return values.map((value) => {
    const id = value.startsWith('ViewDefinition/') ? value.slice('ViewDefinition/'.length) : value;
    if (!FHIR_ID.test(id)) {
      throw badRequest(
        `_viewDefinition "${value}" is not a ViewDefinition id (123 or ViewDefinition/123)`,
        '_viewDefinition',
      );
    }
    return { id, at: '_viewDefinition' };
  });
}
