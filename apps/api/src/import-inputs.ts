import { checkInput, type ImportRequest, type InputChecks } from '@fhir-bulk/import';

/** Refuses, before any job starts, inputs the server must not or cannot read (each checked by `checkInput`). */
export async function checkInputs(request: ImportRequest, checks: InputChecks): Promise<void> {
  await Promise.all(request.inputs.map((input, index) => checkInput(input, index, checks)));
}
