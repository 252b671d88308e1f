import type { Collection, Db } from 'mongodb';
import { randomUUID } from 'node:crypto';
import type { ClientRegistration } from './registration';

/** A registered client as stored; `disabled` stops its tokens at once (every request reads it). */
export interface ClientRecord extends ClientRegistration {
  _id: string;
  client_id_issued_at: number;
  disabled: boolean;
}

export const CLIENTS_COLLECTION = 'auth_clients';

/** What the registration endpoint answers and the client list shows (RFC 7591 §3.2.1): never anything secret. */
export const clientInformation = ({ _id, ...client }: ClientRecord) => ({
  client_id: _id,
  ...client,
  token_endpoint_auth_method: 'private_key_jwt',
  grant_types: ['client_credentials'],
});

/** Registered clients in MongoDB. The collection is small (one document per client application). */
export class ClientRegistry {
  private readonly clients: Collection<ClientRecord>;

  constructor(db: Db) {
    this.clients = db.collection(CLIENTS_COLLECTION);
  }

  async register(registration: ClientRegistration, now = new Date()): Promise<ClientRecord> {
    const record: ClientRecord = {
      _id: randomUUID(),
      ...registration,
      client_id_issued_at: Math.floor(now.getTime() / 1000),
      disabled: false,
    };
    await this.clients.insertOne(record);
    return record;
  }

  find(clientId: string): Promise<ClientRecord | null> {
    return this.clients.findOne({ _id: clientId });
  }

  list(): Promise<ClientRecord[]> {
    return this.clients.find({}).sort({ client_id_issued_at: 1 }).toArray();
  }

  /** Disables or re-enables a client; null when there is none. */
  async setDisabled(clientId: string, disabled: boolean): Promise<ClientRecord | null> {
    const { matchedCount } = await this.clients.updateOne({ _id: clientId }, { $set: { disabled } });
    return matchedCount === 0 ? null : this.find(clientId);
  }

  async remove(clientId: string): Promise<boolean> {
    const { deletedCount } = await this.clients.deleteOne({ _id: clientId });
    return deletedCount === 1;
  }
}
