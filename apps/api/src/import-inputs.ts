import { checkInput, type ImportRequest, type InputChecks } from '@fhir-bulk/import';

/**
 * Refuses, before any job starts, inputs the server must not or cannot read, or tenant `tenant` may not (each
 * checked by `checkInput`).
 */
export async function checkInputs(request: ImportRequest, tenant: string, checks: InputChecks): Promise<void> {
  await Promise.all(request.inputs.map((input, index) => checkInput(tenant, input, index, checks)));
}
