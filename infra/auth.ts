/**
 * `npm run auth -- <command>`: the operator's SMART Backend Services client management, over the API's HTTP
 * endpoints (`/auth/register`, `/auth/clients`, `/auth/token`). The administrator's credential comes from
 * AUTH_ADMIN_TOKEN or `.data/admin-token` (written by `npm start`); it, private keys and tokens are never printed,
 * except the token that `token` is asked for.
 */
import { parseArgs } from 'node:util';
import { register } from './auth-cli/register';
import { deleteClient, listClients, printToken, setDisabled } from './auth-cli/manage';
import { apiUrl } from './auth-cli/local-state';

const USAGE = `usage: npm run auth -- <command> [--api URL]
  register --name NAME --scope "system/*.read …" --tenants t1,t2|* [--permissions p1,p2] [--out FILE]
           [--key FILE] [--reuse]
      registers a client with a new ES384 key (or the private JWK in --key, created there if missing) and writes
      its client file (mode 600) to --out (default .data/clients/NAME.json). --reuse keeps the client of --out
      when it is still registered, enabled and as asked. Permissions: bulk-export/read, bulk-import/write,
      audit/read, admin.
  token --client FILE [--scope S]   prints an access token, only the token: TOKEN=$(npm run -s auth -- token …)
  list                              the registered clients
  disable ID | enable ID            a disabled client's tokens stop working at once
  delete ID
--api defaults to $PUBLIC_BASE_URL or http://127.0.0.1:8080; the administrator's credential is AUTH_ADMIN_TOKEN,
or .data/admin-token.`;

const list = (value: string | undefined) => (value ?? '').split(',').filter((item) => item.trim() !== '');

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      api: { type: 'string' },
      name: { type: 'string' },
      scope: { type: 'string' },
      permissions: { type: 'string' },
      tenants: { type: 'string' },
      out: { type: 'string' },
      key: { type: 'string' },
      reuse: { type: 'boolean', default: false },
      client: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || command === undefined) return console.log(USAGE);
  const api = apiUrl(values.api);
  const required = (name: string, value: string | undefined): string => {
    if (value === undefined || value === '') throw new Error(`${command} needs ${name}`);
    return value;
  };
  // Only disable, enable and delete take an argument: the client id.
  const id = () => {
    if (args.length !== 1) throw new Error(`${command} takes one client id`);
    return args[0]!;
  };
  if (!['disable', 'enable', 'delete'].includes(command) && args.length > 0) {
    throw new Error(`unexpected arguments: ${args.join(' ')}`);
  }

  switch (command) {
    case 'register':
      return register({
        api,
        name: required('--name', values.name),
        scope: required('--scope', values.scope),
        permissions: list(values.permissions),
        tenants: list(required('--tenants', values.tenants)),
        out: values.out,
        key: values.key,
        reuse: values.reuse,
      });
    case 'token':
      return printToken(required('--client FILE', values.client), values.scope);
    case 'list':
      return listClients(api);
    case 'disable':
    case 'enable':
      return setDisabled(api, id(), command === 'disable');
    case 'delete':
      return deleteClient(api, id());
    default:
      throw new Error(`unknown command ${command}\n${USAGE}`);
  }
}

main().catch((error: unknown) => {
  console.error(`auth: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
