import type { ClientRegistration } from '@fhir-bulk/auth';

/** A registered client as the API shows it (never anything secret). */
export interface ClientInformation extends ClientRegistration {
  client_id: string;
  client_id_issued_at: number;
  disabled: boolean;
}

/** The client-management endpoints (`/auth/register`, `/auth/clients`), with the administrator's credential. */
export class AdminApi {
  constructor(
    readonly api: string,
    private readonly credential: string,
  ) {}

  async register(registration: ClientRegistration): Promise<ClientInformation> {
    return (await this.call('POST', '/auth/register', registration, 201)).json() as Promise<ClientInformation>;
  }

  async list(): Promise<ClientInformation[]> {
    const { clients } = (await (await this.call('GET', '/auth/clients')).json()) as { clients: ClientInformation[] };
    return clients;
  }

  /** The client, or null when there is no such client. */
  async find(id: string): Promise<ClientInformation | null> {
    const response = await send(`${this.api}/auth/clients/${encodeURIComponent(id)}`, this.init('GET'));
    if (response.status === 404) return null;
    if (!response.ok) throw await apiError(response, `GET /auth/clients/${id}`);
    return (await response.json()) as ClientInformation;
  }

  async setDisabled(id: string, disabled: boolean): Promise<ClientInformation> {
    const path = `/auth/clients/${encodeURIComponent(id)}/${disabled ? 'disable' : 'enable'}`;
    return (await this.call('POST', path)).json() as Promise<ClientInformation>;
  }

  async remove(id: string): Promise<void> {
    await this.call('DELETE', `/auth/clients/${encodeURIComponent(id)}`, undefined, 204);
  }

  private async call(method: string, path: string, body?: unknown, expected = 200): Promise<Response> {
    const response = await send(`${this.api}${path}`, this.init(method, body));
    if (response.status !== expected) throw await apiError(response, `${method} ${path}`);
    return response;
  }

  private init(method: string, body?: unknown): RequestInit {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.credential}` };
    if (body === undefined) return { method, headers };
    return { method, headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  }
}

/** The token endpoint, as SMART discovery names it (`[base]/.well-known/smart-configuration`). */
export async function tokenEndpoint(api: string): Promise<string> {
  const response = await send(`${api}/.well-known/smart-configuration`);
  if (!response.ok) throw await apiError(response, 'SMART discovery');
  const { token_endpoint } = (await response.json()) as { token_endpoint?: string };
  if (!token_endpoint) throw new Error(`${api}/.well-known/smart-configuration names no token_endpoint`);
  return token_endpoint;
}

/** `fetch`, with "is the API running?" instead of a bare "fetch failed" when nothing answers. */
export async function send(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
    throw new Error(`cannot reach ${new URL(url).origin} (${cause}); is the API running (npm start)?`, {
      cause: error,
    });
  }
}

/** An error naming the request and what the API said: OAuth's `error_description`, or an OperationOutcome's. */
export async function apiError(response: Response, request: string): Promise<Error> {
  const text = await response.text();
  let detail = text.slice(0, 500);
  try {
    const body = JSON.parse(text) as {
      error?: string;
      error_description?: string;
      issue?: Array<{ code?: string; diagnostics?: string }>;
    };
    if (body.error) detail = body.error_description ? `${body.error}: ${body.error_description}` : body.error;
    else if (body.issue) detail = body.issue.map((issue) => issue.diagnostics ?? issue.code).join('; ');
  } catch {
    // Not JSON: the text as it came.
  }
  return new Error(`${request} answered ${response.status}${detail ? `: ${detail}` : ''}`);
}
