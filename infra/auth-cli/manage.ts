import { signClientAssertion, tokenRequestBody } from '@fhir-bulk/auth';
import { AdminApi, apiError, type ClientInformation, send } from './admin-api';
import { readClientFile } from './client-file';
import { adminCredential } from './local-state';

/**
 * Prints an access token of the client in `clientFile` (for `scope`, or the scope it registered) and nothing else
 * on stdout, so `TOKEN=$(npm run -s auth -- token --client FILE)` works.
 */
export async function printToken(clientFile: string, scope?: string): Promise<void> {
  const file = readClientFile(clientFile);
  const assertion = await signClientAssertion({
    clientId: file.client_id,
    tokenUrl: file.tokenUrl,
    privateJwk: file.privateJwk,
  });
  const response = await send(file.tokenUrl, {
    method: 'POST',
    body: tokenRequestBody(assertion, scope ?? file.scope),
  });
  if (!response.ok) throw await apiError(response, `token request to ${file.tokenUrl}`);
  const {
    access_token,
    scope: granted,
    expires_in,
  } = (await response.json()) as {
    access_token: string;
    scope: string;
    expires_in: number;
  };
  process.stdout.write(`${access_token}\n`);
  console.error(`token for ${file.client_id}, scope "${granted}", valid ${expires_in} s`);
}

export async function listClients(api: string): Promise<void> {
  const clients = await new AdminApi(api, adminCredential()).list();
  if (clients.length === 0) return console.log('no clients registered');
  const rows = clients.map((c) => ({
    client_id: c.client_id,
    name: c.client_name,
    status: c.disabled ? 'disabled' : 'enabled',
    registered: new Date(c.client_id_issued_at * 1000).toISOString().slice(0, 19) + 'Z',
    scope: c.scope,
    permissions: c.permissions.join(','),
    tenants: c.tenants.join(','),
  }));
  const columns = Object.keys(rows[0]!) as Array<keyof (typeof rows)[number]>;
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(line(columns));
  for (const row of rows) console.log(line(columns.map((column) => row[column])));
}

export async function setDisabled(api: string, id: string, disabled: boolean): Promise<void> {
  const client = await new AdminApi(api, adminCredential()).setDisabled(id, disabled);
  console.log(`client ${describe(client)} ${disabled ? 'disabled: its tokens stop working now' : 'enabled'}`);
}

export async function deleteClient(api: string, id: string): Promise<void> {
  await new AdminApi(api, adminCredential()).remove(id);
  console.log(`client ${id} deleted`);
}

const describe = (client: ClientInformation) => `${client.client_id} (${client.client_name})`;
